package crash

import "syscall"

// childProcAttr makes the kernel kill the child when the parent test
// process dies (a timeout panic, a crash): no child outlives it.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
