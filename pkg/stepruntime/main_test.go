package stepruntime

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain puts the python3 interpreter itself first on the PATH when
// python3 is a wrapper (a pyenv shim costs about half a second of CPU per
// start, and every step the tests run starts python3 twice), so the tests
// run the same commands, only faster.
func TestMain(m *testing.M) {
	cleanup, err := directPython3()
	if err != nil {
		fmt.Fprintln(os.Stderr, "stepruntime tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// directPython3 links python3 to sys.executable in a new folder put first
// on the PATH; without python3 it does nothing (the tests skip).
func directPython3() (cleanup func(), err error) {
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	exe := strings.TrimSpace(string(out))
	if err != nil || exe == "" {
		return func() {}, nil
	}
	dir, err := os.MkdirTemp("", "kale-python3-")
	if err != nil {
		return nil, fmt.Errorf("creating a folder for python3: %w", err)
	}
	if err := os.Symlink(exe, filepath.Join(dir, "python3")); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("linking python3 to %s: %w", exe, err)
	}
	if err := os.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH")); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("setting PATH: %w", err)
	}
	return func() { os.RemoveAll(dir) }, nil
}
