import { connect, StringCodec, headers } from "nats";
const nc = await connect({ servers: process.argv[2] });
const sc = StringCodec();
const sub = nc.subscribe("js.>", { max: 2 });
const done = (async () => { const got = []; for await (const m of sub) got.push(m.subject + "=" + sc.decode(m.data) + (m.headers ? " h=" + m.headers.get("X-A") : "")); return got; })();
nc.subscribe("svc", { callback: (_e, m) => m.respond(sc.encode("pong")) });
nc.publish("js.a", sc.encode("one"));
const h = headers(); h.set("X-A", "1");
nc.publish("js.b", sc.encode("two"), { headers: h });
const r = await nc.request("svc", sc.encode("ping"), { timeout: 2000 });
let noResp = "";
try { await nc.request("nobody", sc.encode("x"), { timeout: 2000 }); } catch (e) { noResp = e.code; }
console.log(JSON.stringify({ got: await done, reply: sc.decode(r.data), noResponders: noResp, server: nc.info.version }));
await nc.drain();
