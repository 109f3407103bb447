//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package sqlite_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rosync/rosync/storage/sqlite"
)

// lockChildEnv names the database file the child process of
// TestOpenLockedAcrossProcesses opens.
const lockChildEnv = "ROSYNC_SQLITE_LOCK_CHILD"

// requireLocked checks that err is a *LockedError for path naming process
// pid (on this host).
func requireLocked(t *testing.T, err error, path string, pid int) {
	t.Helper()
	var le *sqlite.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Open of %s: error = %v, want a *sqlite.LockedError", path, err)
	}
	host, _ := os.Hostname()
	if le.Path != path || le.PID != pid || le.Host != host || le.Since.IsZero() {
		t.Errorf("LockedError = %+v, want path %s, pid %d, host %q and a start time", le, path, pid, host)
	}
	if msg := le.Error(); !strings.Contains(msg, "process "+strconv.Itoa(pid)) || !strings.Contains(msg, path) {
		t.Errorf("LockedError message %q does not name the file and the other process", msg)
	}
}

// TestOpenLockedInProcess: a second Store on a file that one has open is
// refused at once, in the same process too, and the file is free again
// after Close.
func TestOpenLockedInProcess(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "rosync.db")
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := sqlite.Open(ctx, path, nil)
	if err == nil {
		s2.Close()
		t.Fatal("a second Open of an open file succeeded")
	}
	requireLocked(t, err, path, os.Getpid())
	// Another file in the same directory is independent.
	other, err := sqlite.Open(ctx, filepath.Join(filepath.Dir(path), "other.db"), nil)
	if err != nil {
		t.Fatalf("Open of another file while the first is open: %v", err)
	}
	other.Close()

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s.Close()
}

// TestOpenLockedAcrossProcesses: a second process cannot open a file that
// a first one has open (a rolling deploy that starts the new service before
// the old one stopped), and can once the first dies, even by SIGKILL.
func TestOpenLockedAcrossProcesses(t *testing.T) {
	if os.Getenv(lockChildEnv) != "" {
		t.Skip("in the child process")
	}
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "rosync.db")
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLockChild$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), lockChildEnv+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe() // the child holds the file until stdin closes
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- nil
				return
			}
		}
		ready <- errors.New("the child process ended before it opened the file")
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute): // a liveness guard, not a timing assertion
		t.Fatal("the child process did not open the file within a minute")
	}

	s, err := sqlite.Open(ctx, path, nil)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded while another process has the file open")
	}
	requireLocked(t, err, path, cmd.Process.Pid)

	// The child dies without closing anything: the kernel releases its lock.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	s, err = sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("Open after the other process was killed: %v", err)
	}
	s.Close()
}

// TestLockChild is the child process of TestOpenLockedAcrossProcesses: it
// opens the file named by lockChildEnv, says "ready" and holds it until its
// stdin closes.
func TestLockChild(t *testing.T) {
	path := os.Getenv(lockChildEnv)
	if path == "" {
		t.Skip("run by TestOpenLockedAcrossProcesses")
	}
	s, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	os.Stdout.WriteString("ready\n")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}
