//go:build unix

package local

import (
	"os/exec"
	"syscall"
)

// killGroup runs the step in its own process group and makes cancelling the
// context kill the whole group, so programs the step started die with it.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
