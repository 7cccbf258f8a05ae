package fakekubelet

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/utils/exec"
)

// executor runs exec'd commands of one pod as local processes.
type executor struct {
	agent          *Agent
	namespace, pod string
}

// ExecInContainer implements the kubelet's remotecommand.Executor.
func (e *executor) ExecInContainer(ctx context.Context, _ string, _ types.UID, container string, cmd []string,
	in io.Reader, out, errw io.WriteCloser, tty bool, _ <-chan remotecommand.TerminalSize, _ time.Duration) error {
	a := e.agent
	rec := Exec{Namespace: e.namespace, Pod: e.pod, Container: container, Command: cmd, Stdin: in != nil, TTY: tty, ExitCode: -1}
	defer func() { a.record(rec) }()

	// Stop with the request or with the agent, whichever ends first.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(a.ctx, cancel)
	defer stop()

	root := a.PodRoot(e.namespace, e.pod)
	args := a.rewrite(root, cmd)
	environ := e.environ(root, container, a.hosted(e.namespace, e.pod))
	c := exec.CommandContext(ctx, args[0], args[1:]...)
	if !strings.Contains(args[0], "/") {
		// exec.Command looks names up in this process's PATH; use the pod's.
		if p, err := lookPath(args[0], environ); err == nil {
			c.Path = p
			c.Err = nil
		}
	}
	c.Dir = root
	c.Env = environ
	if in != nil {
		c.Stdin = in
	}
	if out != nil {
		c.Stdout = out
	}
	if errw != nil {
		c.Stderr = errw
	}
	// Without it Wait blocks on a stdin the command never reads.
	c.WaitDelay = 2 * time.Second
	err := c.Run()
	if c.ProcessState != nil {
		rec.ExitCode = c.ProcessState.ExitCode()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		// ServeExec reports a utilexec.ExitError as NonZeroExitCode; a plain
		// *exec.ExitError would become an InternalError.
		return utilexec.CodeExitError{Err: err, Code: ee.ExitCode()}
	}
	return err
}

// environ is the host's PATH, HOME, the container's environment from the
// pod spec (HostPod) and the FAKEKUBELET_* variables, later entries
// winning. Values that are mapped pod paths become host paths.
func (e *executor) environ(root, container string, hp *hostedPod) []string {
	var dirs []string
	for _, d := range e.agent.path {
		if rel, ok := e.agent.mapPath(d); ok {
			d = filepath.Join(root, filepath.FromSlash(rel))
		}
		dirs = append(dirs, d)
	}
	env := []string{"PATH=" + strings.Join(append(dirs, os.Getenv("PATH")), string(os.PathListSeparator))}
	if rel, ok := e.agent.mapPath("/home/jovyan"); ok {
		env = append(env, "HOME="+filepath.Join(root, filepath.FromSlash(rel)))
	}
	if hp != nil {
		for _, kv := range hp.env[container] {
			name, value, _ := strings.Cut(kv, "=")
			if name == "PATH" {
				continue // the host's tools must stay reachable
			}
			if rel, ok := e.agent.mapPath(value); ok {
				value = filepath.Join(root, filepath.FromSlash(rel))
			}
			env = append(env, name+"="+value)
		}
	}
	return append(env,
		"FAKEKUBELET_NAMESPACE="+e.namespace,
		"FAKEKUBELET_POD="+e.pod,
		"FAKEKUBELET_CONTAINER="+container,
	)
}

// mapPath returns the root-relative slash path of a pod path under a mapped
// prefix.
func (a *Agent) mapPath(p string) (string, bool) {
	if !path.IsAbs(p) {
		return "", false
	}
	c := path.Clean(p)
	for _, pre := range a.prefixes {
		if c == pre || strings.HasPrefix(c, pre+"/") {
			return strings.TrimPrefix(c, "/"), true
		}
	}
	return "", false
}

var shells = map[string]bool{"sh": true, "bash": true, "dash": true, "ash": true}

// rewrite maps the pod paths of a command to the pod's folder (see the
// package doc).
func (a *Agent) rewrite(root string, cmd []string) []string {
	out := make([]string, len(cmd))
	script := -1
	if shells[path.Base(cmd[0])] {
		for i := 1; i < len(cmd); i++ {
			// -c, or a cluster of short options with c in it (-ec, -ce).
			if len(cmd[i]) > 1 && cmd[i][0] == '-' && cmd[i][1] != '-' && strings.ContainsRune(cmd[i][1:], 'c') {
				script = i + 1
				break
			}
			if !strings.HasPrefix(cmd[i], "-") {
				break
			}
		}
	}
	for i, arg := range cmd {
		switch {
		case i == script:
			// One pass, longest prefix first, so a replaced path is not
			// replaced again.
			pairs := make([]string, 0, 2*len(a.prefixes))
			for _, pre := range a.prefixes {
				pairs = append(pairs, pre, filepath.Join(root, filepath.FromSlash(pre)))
			}
			out[i] = strings.NewReplacer(pairs...).Replace(arg)
		case i == 0:
			// A program inside the pod's folder runs from there.
			if rel, ok := a.mapPath(arg); ok {
				out[i] = filepath.Join(root, filepath.FromSlash(rel))
				continue
			}
			out[i] = arg
		default:
			if rel, ok := a.mapPath(arg); ok {
				out[i] = rel
				continue
			}
			out[i] = arg
		}
	}
	return out
}

// lookPath finds an executable in the PATH of env.
func lookPath(name string, env []string) (string, error) {
	var pathVar string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathVar = v
		}
	}
	for _, dir := range filepath.SplitList(pathVar) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}
