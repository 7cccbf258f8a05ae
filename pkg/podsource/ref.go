package podsource

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Ref names where a notebook lives: a pod and a path in it (POD:PATH), or a
// Kubeflow Notebook by name (the CLI's --notebook; Path then comes from
// elsewhere). Namespace is defaulted by the caller (kubectl's -n and
// kubeconfig rules); Container is -c.
type Ref struct {
	Namespace, Pod, Container, Path, Notebook string
}

// ParseRef reads `[NAMESPACE/]POD:PATH` the way `kubectl cp` does. It
// reports false for a local path: one with no colon, or whose part before
// the colon is not a valid pod name (optionally after a valid namespace and
// a slash), such as "./a:b.ipynb" or "/data/x:y". Write a local file whose
// name looks like POD:PATH as ./POD:PATH. PATH may be empty ("nb-0:");
// ReadFile then says a path is needed.
func ParseRef(arg string) (Ref, bool) {
	i := strings.IndexByte(arg, ':')
	if i <= 0 {
		return Ref{}, false
	}
	target, p := arg[:i], arg[i+1:]
	var ns string
	if j := strings.IndexByte(target, '/'); j >= 0 {
		ns, target = target[:j], target[j+1:]
		if len(validation.IsDNS1123Label(ns)) != 0 {
			return Ref{}, false
		}
	}
	if len(validation.IsDNS1123Subdomain(target)) != 0 {
		return Ref{}, false
	}
	return Ref{Namespace: ns, Pod: target, Path: p}, true
}

// String spells the ref as the user would: [NS/]POD:PATH, or
// notebook NAME[:PATH].
func (r Ref) String() string {
	var b strings.Builder
	if r.Notebook != "" {
		b.WriteString("notebook ")
		if r.Namespace != "" {
			b.WriteString(r.Namespace + "/")
		}
		b.WriteString(r.Notebook)
		if r.Path != "" {
			b.WriteString(":" + r.Path)
		}
		return b.String()
	}
	if r.Namespace != "" {
		b.WriteString(r.Namespace + "/")
	}
	b.WriteString(r.Pod + ":" + r.Path)
	return b.String()
}
