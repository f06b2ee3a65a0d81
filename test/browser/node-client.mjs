// The @nats-io/nats-core client from Node, over WebSocket (wsconnect):
// run by test/browser_test.go as
//   node --experimental-websocket node-client.mjs ws://127.0.0.1:PORT
// It subscribes to node.>, asks go.echo for a reply, publishes a message
// with a header to from.node, and prints each received message as
// "got <subject> <data>" until it has three, then "done".
import { wsconnect, headers } from "@nats-io/nats-core";

const te = new TextEncoder();
const td = new TextDecoder();
const nc = await wsconnect({ servers: process.argv[2], name: "node" });
const sub = nc.subscribe("node.>", { max: 3 });
await nc.flush();
const r = await nc.request("go.echo", te.encode("ping from node"), { timeout: 5000 });
console.log("reply " + td.decode(r.data));
const h = headers();
h.set("X-From", "node");
nc.publish("from.node", te.encode("hello from node"), { headers: h });
await nc.flush();
console.log("ready");
for await (const m of sub) {
  console.log(`got ${m.subject} ${td.decode(m.data)}`);
}
await nc.drain();
console.log("done");
