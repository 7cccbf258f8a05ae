package fileutil

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name string
		// setup makes the folder's content and returns the path to write.
		setup func(t *testing.T, dir string) string
		opts  Options
		// check looks at the folder after a successful write.
		check func(t *testing.T, dir, path string)
		// wantErr, when set, is a substring of the error.
		wantErr string
	}{
		{
			name:  "a new file gets Perm",
			setup: func(t *testing.T, dir string) string { return filepath.Join(dir, "new.yaml") },
			opts:  Options{Perm: 0o644},
			check: func(t *testing.T, dir, path string) {
				wantFile(t, path, "new", 0o644)
			},
		},
		{
			name: "a regular file is replaced and keeps its mode",
			setup: func(t *testing.T, dir string) string {
				return mkfile(t, filepath.Join(dir, "old.yaml"), "old content", 0o600)
			},
			opts: Options{Perm: 0o644},
			check: func(t *testing.T, dir, path string) {
				wantFile(t, path, "new", 0o600)
			},
		},
		{
			name: "ForcePerm sets the mode of an existing file",
			setup: func(t *testing.T, dir string) string {
				return mkfile(t, filepath.Join(dir, "kale"), "old", 0o600)
			},
			opts: Options{Perm: 0o755, ForcePerm: true},
			check: func(t *testing.T, dir, path string) {
				wantFile(t, path, "new", 0o755)
			},
		},
		{
			name: "a symlink is followed and kept",
			setup: func(t *testing.T, dir string) string {
				mkfile(t, filepath.Join(dir, "real.yaml"), "old", 0o640)
				link := filepath.Join(dir, "link.yaml")
				if err := os.Symlink("real.yaml", link); err != nil {
					t.Fatal(err)
				}
				return link
			},
			opts: Options{Perm: 0o644},
			check: func(t *testing.T, dir, path string) {
				wantLink(t, path, "real.yaml")
				wantFile(t, filepath.Join(dir, "real.yaml"), "new", 0o640)
			},
		},
		{
			name: "a dangling symlink creates the file it names",
			setup: func(t *testing.T, dir string) string {
				link := filepath.Join(dir, "link.yaml")
				if err := os.Symlink("later.yaml", link); err != nil {
					t.Fatal(err)
				}
				return link
			},
			opts: Options{Perm: 0o644},
			check: func(t *testing.T, dir, path string) {
				wantLink(t, path, "later.yaml")
				wantFile(t, filepath.Join(dir, "later.yaml"), "new", 0o644)
			},
		},
		{
			name: "a character device is written to, not replaced",
			setup: func(t *testing.T, dir string) string {
				if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
					t.Skipf("%s is not a character device here", os.DevNull)
				}
				return os.DevNull
			},
			opts: Options{Perm: 0o644},
			check: func(t *testing.T, dir, path string) {
				if fi, err := os.Lstat(path); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
					t.Errorf("%s is no longer a character device: %v %v", path, fi.Mode(), err)
				}
			},
		},
		{
			name: "a symlink to a character device is written through",
			setup: func(t *testing.T, dir string) string {
				link := filepath.Join(dir, "null")
				if err := os.Symlink(os.DevNull, link); err != nil {
					t.Fatal(err)
				}
				return link
			},
			opts: Options{Perm: 0o644},
			check: func(t *testing.T, dir, path string) {
				wantLink(t, path, os.DevNull)
				if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
					t.Errorf("%s is no longer a character device", os.DevNull)
				}
			},
		},
		{
			name:    "a folder is an error",
			setup:   func(t *testing.T, dir string) string { return dir },
			opts:    Options{Perm: 0o644},
			wantErr: "is a folder",
		},
		{
			name:    "a missing folder is an error",
			setup:   func(t *testing.T, dir string) string { return filepath.Join(dir, "nope", "p.yaml") },
			opts:    Options{Perm: 0o644},
			wantErr: "nope does not exist",
		},
		{
			name: "a file as the folder is an error",
			setup: func(t *testing.T, dir string) string {
				return filepath.Join(mkfile(t, filepath.Join(dir, "f"), "", 0o644), "p.yaml")
			},
			opts:    Options{Perm: 0o644},
			wantErr: "not a directory",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tc.setup(t, dir)
			err := Write(path, strings.NewReader("new"), tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("err = %v, want one naming %s and saying %q", err, path, tc.wantErr)
				}
				if strings.Contains(err.Error(), "/.") {
					t.Errorf("the error names a temporary file: %v", err)
				}
			} else if err != nil {
				t.Fatal(err)
			} else {
				tc.check(t, dir, path)
			}
			leftovers(t, dir)
		})
	}
}

// TestWriteFIFO: a FIFO is written to in place while a reader holds it.
func TestWriteFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Should the write never open the FIFO, unblock the reader.
	t.Cleanup(func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	got := make(chan string, 1)
	go func() {
		// Opening blocks until Write opens the other end.
		f, err := os.Open(fifo)
		if err != nil {
			got <- "open: " + err.Error()
			return
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			got <- "read: " + err.Error()
			return
		}
		got <- string(b)
	}()
	if err := Write(fifo, strings.NewReader("through the pipe"), Options{Perm: 0o644}); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through the pipe" {
		t.Errorf("the reader got %q", s)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("%s is no longer a FIFO: %v", fifo, fi.Mode())
	}
	leftovers(t, dir)
}

// TestWriteErrorKeepsTheOldFile: a write that fails leaves the old
// content and no temporary file.
func TestWriteErrorKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := mkfile(t, filepath.Join(dir, "p.yaml"), "old", 0o644)
	err := Write(path, iotestErrReader{}, Options{Perm: 0o644})
	if err == nil || !strings.Contains(err.Error(), "write "+path+": boom") {
		t.Fatalf("err = %v", err)
	}
	wantFile(t, path, "old", 0o644)
	leftovers(t, dir)
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

func mkfile(t *testing.T, path, content string, perm fs.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}

func wantFile(t *testing.T, path, content string, perm fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm() != perm {
		t.Errorf("%s: mode %v, want a regular file with %v", path, fi.Mode(), perm)
	}
	if b, _ := os.ReadFile(path); string(b) != content {
		t.Errorf("%s holds %q, want %q", path, b, content)
	}
}

func wantLink(t *testing.T, path, target string) {
	t.Helper()
	got, err := os.Readlink(path)
	if err != nil || got != target {
		t.Errorf("%s: link to %q (%v), want a link to %q", path, got, err, target)
	}
}

// leftovers fails when a temporary file stayed in dir.
func leftovers(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}
