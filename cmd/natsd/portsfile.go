package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// ports is the content of the ports file, as nats-server writes it:
//
//	{"nats":["nats://127.0.0.1:4222"],"monitoring":["http://127.0.0.1:8222"],"cluster":["nats://127.0.0.1:6222"],"profile":["http://127.0.0.1:65432"]}
//
// Listeners that are off are left out.
// A listener bound to every address (0.0.0.0) is listed once per address
// of the machine's interfaces.
type ports struct {
	Nats       []string `json:"nats,omitempty"`
	Monitoring []string `json:"monitoring,omitempty"`
	Cluster    []string `json:"cluster,omitempty"`
	Profile    []string `json:"profile,omitempty"`
}

// portsFilePath is <dir>/<program>_<pid>.ports, the name nats-server uses
// (its program name being nats-server, ours natsd).
func portsFilePath(dir string) string {
	return filepath.Join(dir, fmt.Sprintf("%s_%d.ports", filepath.Base(os.Args[0]), os.Getpid()))
}

// writePortsFile writes the listening URLs to a ports file in dir and
// returns its path.
func writePortsFile(dir string, client, monitoring, cluster, profile net.Addr) (string, error) {
	p := ports{
		Nats:       listenURLs("nats", client),
		Monitoring: listenURLs("http", monitoring),
		Cluster:    listenURLs("nats", cluster),
		Profile:    listenURLs("http", profile),
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	path := portsFilePath(dir)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", fmt.Errorf("writing ports file: %w", err)
	}
	return path, nil
}

// listenURLs lists the URLs a listener can be reached at.
func listenURLs(scheme string, a net.Addr) []string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp == nil {
		return nil
	}
	port := strconv.Itoa(tcp.Port)
	if !tcp.IP.IsUnspecified() {
		return []string{scheme + "://" + net.JoinHostPort(tcp.IP.String(), port)}
	}
	// Interface by interface, in the order nats-server lists them
	// (loopback first, each interface's IPv4 before its IPv6 addresses).
	var urls []string
	ifaces, _ := net.Interfaces()
	for _, ifc := range ifaces {
		addrs, _ := ifc.Addrs()
		for _, ia := range addrs {
			if ipnet, ok := ia.(*net.IPNet); ok {
				urls = append(urls, scheme+"://"+net.JoinHostPort(ipnet.IP.String(), port))
			}
		}
	}
	if len(urls) == 0 {
		urls = []string{scheme + "://" + net.JoinHostPort("127.0.0.1", port)}
	}
	return urls
}
