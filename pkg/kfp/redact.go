package kfp

import (
	"net"
	"net/url"
	"strings"
)

// Redact returns an endpoint or URL fit for messages, links and logs: the
// user information (http://user:pass@host, or a token as the user name)
// becomes "xxxxx" and the query is dropped. It works on the text, as
// url.Parse would split a valid URL, so that URLs that do not parse, or
// parse unexpectedly ("user:pass@host" has the scheme "user"), are
// redacted too.
func Redact(raw string) string {
	rest := raw
	start := 0
	if i := strings.Index(raw, "://"); i >= 0 {
		start = i + 3
		rest = raw[start:]
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	out := raw
	if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
		out = raw[:start] + "xxxxx" + rest[at:]
	}
	if i := strings.IndexByte(out, '?'); i >= 0 {
		out = out[:i]
	}
	return out
}

// redactURL is Redact for a parsed URL. Unlike url.URL.Redacted it hides
// the user name too: with no password it may be the token.
func redactURL(u *url.URL) string {
	v := *u
	if v.User != nil {
		v.User = url.User("xxxxx")
	}
	v.RawQuery, v.ForceQuery = "", false
	return v.String()
}

// clusterLocal reports whether a bearer token sent to host over plain
// http stays on this machine or inside the cluster's network, where
// Kubeflow's own in-cluster endpoint (http://ml-pipeline.kubeflow:8888)
// lives without TLS. It is a heuristic for a warning, not a boundary:
//   - loopback: "localhost", "*.localhost", 127.0.0.0/8 and ::1
//     (kubectl port-forward);
//   - Kubernetes service names: "*.svc" and "*.svc.cluster.local";
//   - names a pod's DNS search path completes to a service: a single
//     label ("ml-pipeline", the service in the pod's namespace) and two
//     labels ("ml-pipeline.kubeflow", SERVICE.NAMESPACE). Two labels also
//     match a public name such as example.com, which then goes without a
//     warning: the price of not warning on the endpoint form Kubeflow's
//     documentation uses.
//
// Every other name and every non-loopback IP address is remote.
func clusterLocal(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	switch {
	case host == "localhost" || strings.HasSuffix(host, ".localhost"):
		return true
	case strings.HasSuffix(host, ".svc") || strings.HasSuffix(host, ".svc.cluster.local"):
		return true
	}
	return host != "" && strings.Count(host, ".") <= 1
}
