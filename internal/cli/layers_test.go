package cli_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const (
	module   = "github.com/kubeflow-kale/kale/"
	root     = module + "internal/cli"
	commands = root + "/commands/"
)

// goPackage is what `go list -json` says of a package that matters here.
type goPackage struct {
	ImportPath string
	// Deps are every package it imports, directly or not (test files aside).
	Deps []string
}

// listPackages runs `go list -json -deps` on internal/cli/... .
func listPackages(t *testing.T) []goPackage {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if p, err := exec.LookPath("go"); err == nil {
		gobin = p
	}
	cmd := exec.Command(gobin, "list", "-json", "./...")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, errOut.String())
	}
	var pkgs []goPackage
	dec := json.NewDecoder(&out)
	for {
		var p goPackage
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// command is the command a package belongs to ("run" for
// internal/cli/commands/run/e2e), or "" for a helper or the root.
func command(path string) string {
	rest, ok := strings.CutPrefix(path, commands)
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// TestLayers: no command package imports another command package, even
// through a helper, and no helper imports a command or the root package
// (see the package comment).
func TestLayers(t *testing.T) {
	pkgs := listPackages(t)
	var nCommands, nHelpers int
	for _, p := range pkgs {
		if !strings.HasPrefix(p.ImportPath, root) || p.ImportPath == root {
			continue
		}
		own := command(p.ImportPath)
		if own != "" {
			nCommands++
		} else {
			nHelpers++
		}
		for _, d := range p.Deps {
			if d == root {
				t.Errorf("%s imports %s, which assembles the commands", p.ImportPath, root)
				continue
			}
			dc := command(d)
			switch {
			case dc == "" || dc == own:
			case own == "":
				t.Errorf("helper %s imports command %s: a helper sits below every command", p.ImportPath, d)
			default:
				t.Errorf("command %s imports command %s: move what they share into a helper package under internal/cli", p.ImportPath, d)
			}
		}
	}
	// The rule must have something to check.
	if nCommands < 9 || nHelpers < 5 {
		t.Fatalf("found %d command and %d helper packages: is go list reading internal/cli?", nCommands, nHelpers)
	}
}

func TestCommandOf(t *testing.T) {
	for path, want := range map[string]string{
		commands + "run":       "run",
		commands + "run/e2e":   "run",
		root + "/deliver":      "",
		root:                   "",
		module + "pkg/kfp":     "",
		commands + "compile/x": "compile",
	} {
		if got := command(path); got != want {
			t.Errorf("command(%q) = %q, want %q", path, got, want)
		}
	}
}
