package main

import (
	"flag"
	"fmt"

	"github.com/natsd/natsd/server"
)

const clusterUsage = `
Cluster Options:
        --routes <rurl-1, rurl-2>    Routes to solicit and connect
        --cluster <cluster-url>      Cluster URL for solicited routes (nats://host:port)
        --cluster_listen <url>       Cluster URL from which members can solicit routes
        --cluster_name <string>      Cluster name
        --no_advertise <bool>        Do not advertise known cluster information to clients
        --cluster_advertise <string> Cluster URL to advertise to other servers
        --connect_retries <number>   For implicit routes, number of connect retries
`

// addClusterFlags registers the cluster flags over opts (whose values,
// from the config file, are the defaults) and returns the function that
// applies the URL-valued ones once the command line is parsed.
func addClusterFlags(fs *flag.FlagSet, opts *server.Options) func() error {
	var listen, routes string
	for _, n := range []string{"cluster", "cluster_listen"} {
		fs.StringVar(&listen, n, "", "")
	}
	fs.StringVar(&routes, "routes", "", "")
	fs.StringVar(&opts.Cluster.Name, "cluster_name", opts.Cluster.Name, "")
	fs.StringVar(&opts.Cluster.Advertise, "cluster_advertise", opts.Cluster.Advertise, "")
	fs.BoolVar(&opts.Cluster.NoAdvertise, "no_advertise", opts.Cluster.NoAdvertise, "")
	fs.IntVar(&opts.Cluster.ConnectRetries, "connect_retries", opts.Cluster.ConnectRetries, "")
	return func() error {
		if listen != "" {
			if err := server.ParseClusterListen(opts, listen); err != nil {
				return fmt.Errorf("--cluster: %w", err)
			}
		}
		if routes != "" {
			rs, err := server.ParseRoutes(routes)
			if err != nil {
				return fmt.Errorf("--routes: %w", err)
			}
			opts.Cluster.Routes = rs
		}
		return nil
	}
}
