package podsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/kubeflow-kale/kale/internal/termtext"
)

// streamFunc runs cmd in the pod's container with the given streams:
// remoteStream (pods/exec through the API server) unless a test sets
// Source.stream.
type streamFunc func(ctx context.Context, p *Pod, cmd []string, opts remotecommand.StreamOptions) error

// Exec runs cmd in the pod's container, as `kubectl exec` does: WebSocket
// first, SPDY when the server or a proxy refuses the WebSocket upgrade.
// stdin may be nil. A command that exits non-zero returns an error that
// wraps k8s.io/client-go/util/exec.CodeExitError (errors.As gives the
// code). A missing pods/exec permission names the verb and resource.
//
// Give a *LimitedBuffer as stdout or stderr to collect output in memory:
// the first byte past its limit stops the command and Exec returns a
// *TooLargeError, so a container cannot make the client buffer without
// end. Other writers get whatever the command sends.
func (s *Source) Exec(ctx context.Context, p *Pod, cmd []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(cmd) == 0 {
		return errors.New("exec: no command")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	for _, w := range []io.Writer{stdout, stderr} {
		if b, ok := w.(*LimitedBuffer); ok && b != nil {
			b.setAbort(cancel)
			defer b.setAbort(nil)
		}
	}
	stream := s.stream
	if stream == nil {
		stream = s.remoteStream
	}
	err := stream(ctx, p, cmd, remotecommand.StreamOptions{Stdin: stdin, Stdout: stdout, Stderr: stderr})
	var tooLarge *TooLargeError
	if errors.As(context.Cause(ctx), &tooLarge) {
		// Whatever the stream returned is the abort's echo.
		return fmt.Errorf("%s in pod %s: %w", cmd[0], p, tooLarge)
	}
	var exit utilexec.CodeExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit):
		return fmt.Errorf("%s in pod %s exited with code %d: %w", cmd[0], p, exit.Code, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("permission denied: you may not exec in pod %s/%s; ask for RBAC verbs \"create\" and \"get\" on resource \"pods/exec\" in namespace %s: %w",
			p.Namespace, p.Name, p.Namespace, err)
	case apierrors.IsNotFound(err):
		return fmt.Errorf("pod %s not found in namespace %s: %w", p.Name, p.Namespace, err)
	}
	return fmt.Errorf("exec in pod %s: %w", p, err)
}

// remoteStream runs cmd through the API server's pods/exec.
func (s *Source) remoteStream(ctx context.Context, p *Pod, cmd []string, opts remotecommand.StreamOptions) error {
	req := s.client.CoreV1().RESTClient().Post().
		Resource("pods").Namespace(p.Namespace).Name(p.Name).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: p.Container,
			Command:   cmd,
			Stdin:     opts.Stdin != nil,
			Stdout:    opts.Stdout != nil,
			Stderr:    opts.Stderr != nil,
		}, scheme.ParameterCodec)
	ws, err := remotecommand.NewWebSocketExecutor(s.cfg, "GET", req.URL().String())
	if err != nil {
		return err
	}
	spdy, err := remotecommand.NewSPDYExecutor(s.cfg, "POST", req.URL())
	if err != nil {
		return err
	}
	ex, err := remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		return err
	}
	return ex.StreamWithContext(ctx, opts)
}

// readScript prints at most $2 bytes of the file $1 when it is a regular,
// readable file; otherwise it exits with a code ReadFile turns into an
// error. It spawns a single process (head): the size is asked for only
// when the file turns out too large. The path goes after -- so that a
// name starting with - is not read as an option, and names are printed
// with printf, which unlike echo takes no options from its argument.
const readScript = `p="$1"
if [ -d "$p" ]; then
  for f in "$p"/*.ipynb; do [ -f "$f" ] && printf '%s\n' "${f##*/}" >&2; done
  exit 91
fi
[ -e "$p" ] || exit 90
[ -f "$p" ] || exit 94
[ -r "$p" ] || exit 92
exec head -c "$2" -- "$p"`

// Exit codes of readScript.
const (
	exitNotFound   = 90
	exitDirectory  = 91
	exitNoRead     = 92
	exitNotRegular = 94
)

// maxErrOutput bounds what ReadFile keeps of a command's stderr: error
// messages and the names of the notebooks in a directory.
const maxErrOutput = 1 << 20

// ReadFile reads a file from the pod's container by exec, like
// `kubectl cp` (the container needs sh and head, and wc for the size of a
// file over the limit, as every notebook image has). A relative path
// resolves against the container's working directory. At most limit bytes
// are kept on this side whatever the container sends: a larger file is an
// error that gives its size, and the command is stopped.
func (s *Source) ReadFile(ctx context.Context, p *Pod, filePath string, limit int64) ([]byte, error) {
	if filePath == "" {
		return nil, fmt.Errorf("no file named in pod %s/%s: give the notebook's path after the pod name, e.g. %s:/home/jovyan/train.ipynb", p.Namespace, p.Name, p.Name)
	}
	if limit <= 0 {
		return nil, fmt.Errorf("reading %s: size limit must be positive, got %d", p.Location(filePath), limit)
	}
	full := p.resolvePath(filePath)
	where := p.Location(filePath)
	out := NewLimitedBuffer(limit, where)
	errb := NewLimitedBuffer(maxErrOutput, "the error output of reading "+where)
	// head is asked for one byte more than the limit: a file that fills
	// the buffer and one more byte is too large.
	cmd := []string{"sh", "-c", readScript, "kale-read", full, strconv.FormatInt(limit+1, 10)}
	err := s.Exec(ctx, p, cmd, nil, out, errb)
	switch {
	case out.Err() != nil:
		return nil, s.tooLarge(ctx, p, full, where, limit)
	case errb.Err() != nil:
		return nil, fmt.Errorf("reading %s: %w", where, errb.Err())
	}
	var exit utilexec.CodeExitError
	if errors.As(err, &exit) {
		stderr := termtext.Line(strings.TrimSpace(errb.String()))
		switch exit.Code {
		case exitNotFound:
			return nil, fmt.Errorf("no such file: %s in pod %s/%s (container %s)", full, p.Namespace, p.Name, p.Container)
		case exitDirectory:
			msg := fmt.Sprintf("%s is a directory, not a notebook", where)
			if stderr != "" {
				msg += "; notebooks in it: " + strings.Join(strings.Fields(stderr), ", ")
			}
			return nil, errors.New(msg)
		case exitNoRead:
			return nil, fmt.Errorf("%s: permission denied: the container's user cannot read the file", where)
		case exitNotRegular:
			return nil, fmt.Errorf("%s is not a regular file (a device, socket or pipe), not a notebook", where)
		case 126, 127:
			return nil, fmt.Errorf("reading %s: the container cannot run sh or head (exit code %d): %s", where, exit.Code, stderr)
		}
		return nil, fmt.Errorf("reading %s: exit code %d: %s", where, exit.Code, stderr)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", where, err)
	}
	return out.take(), nil
}

// tooLarge is the error for a file over the limit, with its size when wc
// gives one.
func (s *Source) tooLarge(ctx context.Context, p *Pod, full, where string, limit int64) error {
	size := NewLimitedBuffer(4<<10, "the size of "+where)
	if s.Exec(ctx, p, []string{"wc", "-c", "--", full}, nil, size, io.Discard) == nil {
		// The first field is the size; anything else from the pod is not
		// trusted into a message.
		if f := strings.Fields(size.String()); len(f) > 0 {
			n, err := strconv.ParseInt(f[0], 10, 64)
			switch {
			case err == nil && n > limit:
				return &TooLargeError{What: where, Limit: limit, Size: n}
			case err == nil:
				return fmt.Errorf("%w: the container sent more than the file's %d bytes (does its head ignore -c?)",
					&TooLargeError{What: where, Limit: limit}, n)
			}
		}
	}
	return &TooLargeError{What: where, Limit: limit}
}

func (p *Pod) resolvePath(filePath string) string {
	if filePath == "" || path.IsAbs(filePath) || p.WorkingDir == "" {
		return filePath
	}
	return path.Join(p.WorkingDir, filePath)
}
