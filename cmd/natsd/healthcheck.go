package main

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// healthcheckTimeout bounds the whole --healthcheck request.
const healthcheckTimeout = 5 * time.Second

// healthcheck is the --healthcheck URL mode, for container images that have
// no curl: it GETs url and returns 0 when it answers 200, 1 otherwise.
func healthcheck(url string, timeout time.Duration, stdout, stderr io.Writer) int {
	client := &http.Client{Timeout: timeout}
	res, err := client.Get(url)
	if err != nil {
		fmt.Fprintf(stderr, "natsd: healthcheck: %v\n", err)
		return 1
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "natsd: healthcheck: %s: %s %s\n", url, res.Status, body)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", body)
	return 0
}
