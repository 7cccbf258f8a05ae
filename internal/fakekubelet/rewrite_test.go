package fakekubelet

import (
	"slices"
	"testing"
)

func TestRewriteMapsPodPathsIntoThePodFolder(t *testing.T) {
	a, err := Start(Options{Root: t.TempDir(), Prefixes: []string{"/home/jovyan", "/home/jovyan/data"}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	const root = "/r/ns/pod"
	tests := []struct {
		name string
		cmd  []string
		want []string
	}{
		{"argument under the prefix becomes root-relative",
			[]string{"cat", "/home/jovyan/x.ipynb"}, []string{"cat", "home/jovyan/x.ipynb"}},
		{"the prefix itself is mapped",
			[]string{"ls", "/home/jovyan"}, []string{"ls", "home/jovyan"}},
		{"paths are cleaned before mapping",
			[]string{"cat", "/home/jovyan//a/../b"}, []string{"cat", "home/jovyan/b"}},
		{"leaving the prefix with .. is not mapped",
			[]string{"cat", "/home/jovyan/../../etc/passwd"}, []string{"cat", "/home/jovyan/../../etc/passwd"}},
		{"a look-alike prefix is not mapped",
			[]string{"cat", "/home/jovyanx/y"}, []string{"cat", "/home/jovyanx/y"}},
		{"other absolute paths are the host's",
			[]string{"ls", "/tmp"}, []string{"ls", "/tmp"}},
		{"a program in the pod's folder runs from its absolute host path",
			[]string{"/home/jovyan/bin/tool", "/home/jovyan/a"}, []string{"/r/ns/pod/home/jovyan/bin/tool", "home/jovyan/a"}},
		{"a host program stays",
			[]string{"/bin/cat", "/home/jovyan/a"}, []string{"/bin/cat", "home/jovyan/a"}},
		{"an sh -c script gets absolute host paths, positional args root-relative",
			[]string{"sh", "-c", `cat /home/jovyan/a "$1"`, "--", "/home/jovyan/b"},
			[]string{"sh", "-c", `cat /r/ns/pod/home/jovyan/a "$1"`, "--", "home/jovyan/b"}},
		{"a longer prefix is replaced once in a script",
			[]string{"bash", "-ec", "ls /home/jovyan/data/x /home/jovyan/y"},
			[]string{"bash", "-ec", "ls /r/ns/pod/home/jovyan/data/x /r/ns/pod/home/jovyan/y"}},
		{"a non-shell -c is not a script",
			[]string{"python3", "-c", "open('/home/jovyan/a')"}, []string{"python3", "-c", "open('/home/jovyan/a')"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.rewrite(root, tt.cmd); !slices.Equal(got, tt.want) {
				t.Errorf("rewrite(%q)\n got %q\nwant %q", tt.cmd, got, tt.want)
			}
		})
	}
}

func TestStartRejectsBadOptions(t *testing.T) {
	for _, opts := range []Options{{}, {Root: t.TempDir(), Prefixes: []string{"/"}}, {Root: t.TempDir(), Prefixes: []string{"home"}}} {
		if a, err := Start(opts); err == nil {
			a.Close()
			t.Errorf("Start(%+v) succeeded, want an error", opts)
		}
	}
}

func TestHostPath(t *testing.T) {
	dir := t.TempDir()
	a, err := Start(Options{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	got, err := a.HostPath("ns", "nb-0", "/home/jovyan/work/x.ipynb")
	if want := dir + "/ns/nb-0/home/jovyan/work/x.ipynb"; err != nil || got != want {
		t.Errorf("HostPath = %q, %v; want %q", got, err, want)
	}
	if _, err := a.HostPath("ns", "nb-0", "/etc/passwd"); err == nil {
		t.Error("HostPath(/etc/passwd) succeeded, want an error")
	}
}
