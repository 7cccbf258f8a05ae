package fakekubelet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	remotecommandconsts "k8s.io/apimachinery/pkg/util/remotecommand"
	kubeletrc "k8s.io/kubelet/pkg/cri/streaming/remotecommand"
)

// Options configure Start.
type Options struct {
	// Root holds the pods' folders: Root/NAMESPACE/POD is a pod's "/".
	// Required; the caller owns it (t.TempDir() fits).
	Root string
	// Prefixes are the pod paths mapped into the pod's folder; default
	// []string{"/home/jovyan"}.
	Prefixes []string
	// PATH are pod directories searched for commands before the host's
	// PATH, e.g. {"/usr/local/bin"} with "/usr/local/bin" among Prefixes,
	// so that a binary put in the pod's folder is found by name. Entries
	// outside the mapped prefixes are used as they are.
	PATH []string
	// Logger receives a line per request; default discards.
	Logger *slog.Logger
}

// Exec records one exec request the agent served.
type Exec struct {
	Namespace, Pod, Container string
	// Command is the command as the client sent it (pod paths, not host).
	Command []string
	Stdin   bool
	TTY     bool
	// ExitCode is the command's exit code; -1 when it could not start.
	ExitCode int
}

// Agent is a running stand-in kubelet. Close stops it and kills the
// commands still running.
type Agent struct {
	root     string
	prefixes []string
	path     []string
	log      *slog.Logger
	srv      *httptest.Server
	ctx      context.Context
	cancel   context.CancelFunc

	mu    sync.Mutex
	pods  map[string]*hostedPod
	execs []Exec
}

// Start serves the kubelet streaming API over TLS (HTTP/1.1 only: SPDY and
// WebSocket upgrades do not exist in HTTP/2) on 127.0.0.1, on a free port.
func Start(opts Options) (*Agent, error) {
	if opts.Root == "" {
		return nil, errors.New("fakekubelet: Options.Root is required")
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("fakekubelet: %w", err)
	}
	prefixes := opts.Prefixes
	if len(prefixes) == 0 {
		prefixes = []string{"/home/jovyan"}
	}
	clean := make([]string, 0, len(prefixes))
	for _, p := range prefixes {
		c := path.Clean(p)
		if !path.IsAbs(c) || c == "/" {
			return nil, fmt.Errorf("fakekubelet: prefix %q must be an absolute pod path other than /", p)
		}
		clean = append(clean, c)
	}
	// Longest first, so /home/jovyan/data wins over /home/jovyan.
	sort.Slice(clean, func(i, j int) bool { return len(clean[i]) > len(clean[j]) })
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &Agent{root: root, prefixes: clean, path: opts.PATH, log: logger, ctx: ctx, cancel: cancel, pods: map[string]*hostedPod{}}

	mux := http.NewServeMux()
	mux.HandleFunc("/exec/{namespace}/{pod}/{container}", a.serveExec)
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", a.serveLogs)
	a.srv = httptest.NewUnstartedServer(mux)
	a.srv.EnableHTTP2 = false
	a.srv.StartTLS()
	return a, nil
}

// Port is the TCP port the agent listens on (127.0.0.1), the Node's
// status.daemonEndpoints.kubeletEndpoint.port.
func (a *Agent) Port() int { return a.srv.Listener.Addr().(*net.TCPAddr).Port }

// URL is the agent's https base URL.
func (a *Agent) URL() string { return a.srv.URL }

// Close kills running commands and stops the server.
func (a *Agent) Close() {
	a.cancel()
	a.srv.Close()
}

// AddPod makes the agent host a pod: it creates the pod's root and the
// folders of the mapped prefixes in it, and returns the root. Exec for a
// pod the agent does not host answers 404, as a kubelet does.
func (a *Agent) AddPod(namespace, pod string) (string, error) {
	root := a.PodRoot(namespace, pod)
	for _, p := range a.prefixes {
		if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(p)), 0o755); err != nil {
			return "", fmt.Errorf("fakekubelet: adding pod %s/%s: %w", namespace, pod, err)
		}
	}
	if err := os.MkdirAll(a.logDir(namespace, pod), 0o755); err != nil {
		return "", fmt.Errorf("fakekubelet: adding pod %s/%s: %w", namespace, pod, err)
	}
	a.mu.Lock()
	if a.pods[namespace+"/"+pod] == nil {
		a.pods[namespace+"/"+pod] = &hostedPod{}
	}
	a.mu.Unlock()
	return root, nil
}

// PodRoot is the host folder that stands for the pod's "/".
func (a *Agent) PodRoot(namespace, pod string) string {
	return filepath.Join(a.root, namespace, pod)
}

// HostPath maps a pod path under a mapped prefix to the host file that
// holds it. It fails for other paths, and for paths that leave the prefix
// with "..".
func (a *Agent) HostPath(namespace, pod, podPath string) (string, error) {
	rel, ok := a.mapPath(podPath)
	if !ok {
		return "", fmt.Errorf("fakekubelet: %s is not under a mapped prefix (%s)", podPath, strings.Join(a.prefixes, ", "))
	}
	return filepath.Join(a.PodRoot(namespace, pod), filepath.FromSlash(rel)), nil
}

// WriteFile writes data, with mode, to the file at podPath in the pod's
// folder, creating its directories, and returns the file's host path: as
// if the notebook had saved it.
func (a *Agent) WriteFile(namespace, pod, podPath string, data []byte, mode os.FileMode) (string, error) {
	p, err := a.HostPath(namespace, pod, podPath)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	return p, os.WriteFile(p, data, mode)
}

// LogPath is the file served as the container's log.
func (a *Agent) LogPath(namespace, pod, container string) string {
	return filepath.Join(a.logDir(namespace, pod), container+".log")
}

func (a *Agent) logDir(namespace, pod string) string {
	return filepath.Join(a.root, namespace, pod+".logs")
}

// Execs returns the exec requests served so far, in order.
func (a *Agent) Execs() []Exec {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Exec(nil), a.execs...)
}

func (a *Agent) hosts(namespace, pod string) bool {
	return a.hosted(namespace, pod) != nil
}

func (a *Agent) hosted(namespace, pod string) *hostedPod {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pods[namespace+"/"+pod]
}

func (a *Agent) record(e Exec) {
	a.mu.Lock()
	a.execs = append(a.execs, e)
	a.mu.Unlock()
}

func (a *Agent) serveExec(w http.ResponseWriter, r *http.Request) {
	ns, pod, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	a.log.Info("exec", "namespace", ns, "pod", pod, "container", container, "command", r.URL.Query()["command"])
	if !a.hosts(ns, pod) {
		http.Error(w, fmt.Sprintf("pod %s/%s is not running on this node", ns, pod), http.StatusNotFound)
		return
	}
	opts, err := kubeletrc.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cmd := r.URL.Query()["command"]
	if len(cmd) == 0 {
		http.Error(w, "no command given", http.StatusBadRequest)
		return
	}
	ex := &executor{agent: a, namespace: ns, pod: pod}
	kubeletrc.ServeExec(w, r, ex, pod, "", container, cmd, opts,
		5*time.Minute, 30*time.Second, remotecommandconsts.SupportedStreamingProtocols)
}

func (a *Agent) serveLogs(w http.ResponseWriter, r *http.Request) {
	ns, pod, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	a.log.Info("logs", "namespace", ns, "pod", pod, "container", container)
	if !a.hosts(ns, pod) {
		http.Error(w, fmt.Sprintf("pod %s/%s is not running on this node", ns, pod), http.StatusNotFound)
		return
	}
	f, err := os.Open(a.LogPath(ns, pod, container))
	if errors.Is(err, os.ErrNotExist) {
		w.Header().Set("Content-Type", "text/plain")
		return // a container that logged nothing
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.Copy(w, f)
}
