package podsource

import (
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	tests := []struct {
		name   string
		arg    string
		want   Ref
		remote bool
	}{
		{"pod and absolute path", "nb-0:/home/jovyan/train.ipynb", Ref{Pod: "nb-0", Path: "/home/jovyan/train.ipynb"}, true},
		{"namespace, pod and path", "team-a/nb-0:/home/jovyan/x.ipynb", Ref{Namespace: "team-a", Pod: "nb-0", Path: "/home/jovyan/x.ipynb"}, true},
		{"relative path in the pod", "nb-0:work/x.ipynb", Ref{Pod: "nb-0", Path: "work/x.ipynb"}, true},
		{"empty path is still a pod ref", "nb-0:", Ref{Pod: "nb-0"}, true},
		{"dotted pod names are valid", "nb.v2-0:/x.ipynb", Ref{Pod: "nb.v2-0", Path: "/x.ipynb"}, true},
		{"colon in the path stays in the path", "nb-0:/a:b.ipynb", Ref{Pod: "nb-0", Path: "/a:b.ipynb"}, true},
		{"plain local file", "train.ipynb", Ref{}, false},
		{"local path with directories", "notebooks/train.ipynb", Ref{}, false},
		{"absolute local path with a colon", "/data/x:y.ipynb", Ref{}, false},
		{"dot-relative local path with a colon", "./nb-0:x.ipynb", Ref{}, false},
		{"upper case is not a pod name", "Notes:x.ipynb", Ref{}, false},
		{"windows drive letter", `C:\Users\me\x.ipynb`, Ref{}, false},
		{"leading colon", ":x.ipynb", Ref{}, false},
		{"bad namespace", "Team/nb-0:/x", Ref{}, false},
		{"too many slashes", "a/b/c:/x", Ref{}, false},
		{"empty", "", Ref{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseRef(tt.arg)
			if ok != tt.remote || got != tt.want {
				t.Errorf("ParseRef(%q) = %+v, %v; want %+v, %v", tt.arg, got, ok, tt.want, tt.remote)
			}
		})
	}
}

func TestRefString(t *testing.T) {
	tests := []struct {
		ref  Ref
		want string
	}{
		{Ref{Namespace: "ns", Pod: "nb-0", Path: "/x.ipynb"}, "ns/nb-0:/x.ipynb"},
		{Ref{Pod: "nb-0", Path: "/x.ipynb"}, "nb-0:/x.ipynb"},
		{Ref{Namespace: "ns", Notebook: "nb", Path: "/x.ipynb"}, "notebook ns/nb:/x.ipynb"},
		{Ref{Notebook: "nb"}, "notebook nb"},
	}
	for _, tt := range tests {
		if got := tt.ref.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.ref, got, tt.want)
		}
	}
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"nb-0:/home/jovyan/x.ipynb", "ns/nb:/a", "x.ipynb", "/a:b", "a/b/c:d", ":", "nb-0:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		ref, ok := ParseRef(arg)
		if !ok {
			if ref != (Ref{}) {
				t.Fatalf("ParseRef(%q) reported a local path but returned %+v", arg, ref)
			}
			return
		}
		if ref.Pod == "" || strings.ContainsAny(ref.Pod, "/:") {
			t.Fatalf("ParseRef(%q) gave pod %q", arg, ref.Pod)
		}
		if got := ref.String(); got != arg {
			t.Fatalf("ParseRef(%q).String() = %q, not the input", arg, got)
		}
	})
}
