package podsource

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
)

// localSource runs exec'd commands as local processes in dir, with bin
// first on PATH (for tools that misbehave), as a container would run them.
func localSource(t testing.TB, dir, bin string) *Source {
	t.Helper()
	return &Source{stream: func(ctx context.Context, _ *Pod, cmd []string, opts remotecommand.StreamOptions) error {
		name := cmd[0]
		if _, err := os.Stat(filepath.Join(bin, name)); err == nil {
			name = filepath.Join(bin, name)
		}
		c := exec.CommandContext(ctx, name, cmd[1:]...)
		c.Dir = dir
		c.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		if opts.Stdin != nil {
			c.Stdin = opts.Stdin
		}
		c.Stdout, c.Stderr = opts.Stdout, opts.Stderr
		c.WaitDelay = time.Second
		err := c.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Exited() {
			return utilexec.CodeExitError{Err: err, Code: ee.ExitCode()}
		}
		return err
	}}
}

// writeTool puts an executable shell script named name in dir.
func writeTool(t testing.TB, dir, name, script string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestReadFileCapsWhatThePodSends(t *testing.T) {
	dir, bin := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "small.ipynb"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &Pod{Namespace: "ns", Name: "nb-0", Container: "nb", WorkingDir: dir}
	loc := "ns/nb-0:" + dir + "/small.ipynb"
	tests := []struct {
		name, head, want string
	}{
		{"a head that ignores -c and never stops is cut off at the limit",
			"exec cat /dev/zero",
			loc + " is larger than 1 MB: the container sent more than the file's 2 bytes (does its head ignore -c?)"},
		{"a wc that lies about the size is not believed",
			"exec cat /dev/zero",
			loc + " is larger than 1 MB"},
		{"an endless stderr is cut off too",
			"exec cat /dev/zero >&2",
			"reading " + loc + ": the error output of reading " + loc + " is larger than 1 MB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeTool(t, bin, "head", tt.head)
			if strings.Contains(tt.name, "wc") {
				writeTool(t, bin, "wc", `printf '\033]0;pwned\007 lots\n'`)
			} else {
				_ = os.Remove(filepath.Join(bin, "wc"))
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			data, err := localSource(t, dir, bin).ReadFile(ctx, p, "small.ipynb", 1<<20)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("ReadFile = %d bytes, %v\nwant error %s", len(data), err, tt.want)
			}
			if ctx.Err() != nil {
				t.Fatal("ReadFile ran until the test's deadline instead of stopping the stream")
			}
		})
	}
}

func TestReadFilePassesThePathAfterDashDash(t *testing.T) {
	dir := t.TempDir()
	p := &Pod{Namespace: "ns", Name: "nb-0", Container: "nb"}
	for _, name := range []string{"-n", "-c5", "--help"} {
		t.Run(name, func(t *testing.T) {
			want := []byte(`{"cells": []}` + name)
			if err := os.WriteFile(filepath.Join(dir, name), want, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := localSource(t, dir, t.TempDir()).ReadFile(context.Background(), p, name, 1<<20)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("ReadFile(%q) = %q, %v; want %q", name, got, err, want)
			}
		})
	}
	t.Run("the size of a large file named like an option", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(dir, "-n"), make([]byte, 100), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := localSource(t, dir, t.TempDir()).ReadFile(context.Background(), p, "-n", 10)
		if want := "ns/nb-0:-n is 100 bytes, over the size limit of 10 bytes"; err == nil || err.Error() != want {
			t.Errorf("err = %v, want %s", err, want)
		}
	})
}

func TestReadFileSanitizesWhatThePodSays(t *testing.T) {
	dir, bin := t.TempDir(), t.TempDir()
	writeTool(t, bin, "head", `printf 'head: \033[2J\033]0;pwned\007broken\n' >&2; exit 3`)
	if err := os.WriteFile(filepath.Join(dir, "a.ipynb"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &Pod{Namespace: "ns", Name: "nb-0", Container: "nb"}
	_, err := localSource(t, dir, bin).ReadFile(context.Background(), p, "a.ipynb", 1<<20)
	if want := "reading ns/nb-0:a.ipynb: exit code 3: head: broken"; err == nil || err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}

func TestExecStopsALimitedStream(t *testing.T) {
	dir := t.TempDir()
	p := &Pod{Namespace: "ns", Name: "nb-0", Container: "nb"}
	out := NewLimitedBuffer(1000, "kale's answer")
	err := localSource(t, dir, t.TempDir()).Exec(context.Background(), p, []string{"cat", "/dev/zero"}, nil, out, nil)
	var tl *TooLargeError
	if !errors.As(err, &tl) || err.Error() != "cat in pod ns/nb-0 (container nb): kale's answer is larger than 1000 bytes" {
		t.Fatalf("err = %v, want a *TooLargeError", err)
	}
	if out.Len() != 1000 {
		t.Errorf("kept %d bytes, want the limit, 1000", out.Len())
	}
}

func TestLimitedBuffer(t *testing.T) {
	tests := []struct {
		name   string
		limit  int64
		writes []string
		want   string
		over   bool
	}{
		{"under the limit", 5, []string{"ab", "cd"}, "abcd", false},
		{"exactly the limit", 4, []string{"ab", "cd"}, "abcd", false},
		{"one byte over", 4, []string{"ab", "cde"}, "abcd", true},
		{"writes after the overflow are dropped", 4, []string{"abcdef", "gh", ""}, "abcd", true},
		{"an empty write at the limit is fine", 2, []string{"ab", ""}, "ab", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewLimitedBuffer(tt.limit, "POD:PATH")
			var aborted error
			b.setAbort(func(err error) { aborted = err })
			for _, w := range tt.writes {
				if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			if b.String() != tt.want || int64(b.Len()) > tt.limit {
				t.Errorf("kept %q, want %q", b.String(), tt.want)
			}
			if (b.Err() != nil) != tt.over || (aborted != nil) != tt.over {
				t.Errorf("Err = %v, abort = %v, want overflow %v", b.Err(), aborted, tt.over)
			}
		})
	}
	if got := (&TooLargeError{What: "ns/nb-0:/a.ipynb", Limit: 32 << 20}).Error(); got != "ns/nb-0:/a.ipynb is larger than 32 MB" {
		t.Errorf("message = %q", got)
	}
}

// BenchmarkReadFileEndlessHead reads through a head that ignores -c and
// never stops, with a 1 MB limit: B/op shows what the client holds (the
// limit and its growth, not the stream), ns/op how soon it stops.
func BenchmarkReadFileEndlessHead(b *testing.B) {
	dir, bin := b.TempDir(), b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.ipynb"), []byte("{}"), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "head"), []byte("#!/bin/sh\nexec cat /dev/zero\n"), 0o755); err != nil {
		b.Fatal(err)
	}
	src := localSource(b, dir, bin)
	p := &Pod{Namespace: "ns", Name: "nb-0", Container: "nb"}
	b.ReportAllocs()
	for b.Loop() {
		var tl *TooLargeError
		if _, err := src.ReadFile(context.Background(), p, "a.ipynb", 1<<20); !errors.As(err, &tl) {
			b.Fatalf("err = %v, want a *TooLargeError", err)
		}
	}
}
