//go:build unix && !linux

package crash

import "syscall"

// childProcAttr: only Linux can tie the child's life to the parent's; the
// test's cleanup kills the child elsewhere.
func childProcAttr() *syscall.SysProcAttr { return nil }
