// Package kfp is a small client for the Kubeflow Pipelines REST API
// (v2beta1): health, experiments (get or create by name, per namespace in
// multi-user KFP), pipelines and their versions (find by name, multipart
// upload, new version when the name exists), and runs (create with an inline
// pipeline spec, get, list, terminate, watch until they end).
//
// It is plain net/http and encoding/json, no generated SDK. Requests carry
// only fields the API defines (the server rejects unknown ones); responses
// are decoded leniently so newer servers keep working. Authentication is
// none, a static bearer token, or a token file re-read on every request
// (the projected service-account token the kubelet rotates). Calls that are
// safe to repeat (GETs and terminate) are retried with jittered, bounded
// backoff on 5xx, 429 and transport errors; nothing else is retried. Server
// errors keep the server's own message, stripped of terminal controls.
//
// Credentials in the endpoint URL never appear in errors, links or logs
// (Redact). Redirects are not followed, so the token stays with the
// endpoint: the KFP API never redirects, and a redirect is an error naming
// its target. Config.Warn hears once when the token is about to cross a
// network in clear text (plain http:// to a host that is neither loopback
// nor a cluster service).
package kfp
