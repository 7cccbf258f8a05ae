//go:build !unix

package local

import "os/exec"

// killGroup: without process groups, cancelling kills the step's process only.
func killGroup(*exec.Cmd) {}
