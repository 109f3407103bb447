package sqlite

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// LockedError is the error of Open when another Store has the file open:
// another process, or this one (an Open without a Close). SQLite's own
// locks do not keep two processes from using one file together, and
// rosync's Lock holds within a process only, so a second process would
// break ENG-1 (duplicated orders, contacts and products): Open refuses it.
// PID, Host and Since name the holder as it wrote itself into the lock file
// (zero when it had not yet).
type LockedError struct {
	Path  string    // the database file
	PID   int       // the holder's process id
	Host  string    // the holder's host name
	Since time.Time // when the holder opened the file (UTC)
}

func (e *LockedError) Error() string {
	who := "another Store"
	if e.PID != 0 {
		who = "process " + strconv.Itoa(e.PID)
		if e.Host != "" {
			who += " on " + e.Host
		}
		if !e.Since.IsZero() {
			who += " since " + e.Since.Format(time.RFC3339)
		}
	}
	return fmt.Sprintf("sqlite: open %s: the file is in use by %s (lock file %s): one process per file; "+
		"stop it first, or use storage/postgres for several replicas", e.Path, who, lockPath(e.Path))
}

// lockPath is the lock file of the database file path.
func lockPath(path string) string { return path + ".lock" }

// fileLock is the OS lock on a database's lock file, held for a Store's
// life. The lock file is never removed: removing it would let two
// processes lock two different files of one name.
type fileLock struct{ f *os.File }

// lockFile takes the exclusive OS lock on path's lock file without waiting,
// and writes this process into it. When another holds it, the error is a
// *LockedError naming the holder.
func lockFile(path string, now time.Time) (*fileLock, error) {
	f, err := os.OpenFile(lockPath(path), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: lock file: %w", path, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sqlite: open %s: lock file: %w", path, err)
	}
	if !held {
		owner, _ := os.ReadFile(lockPath(path))
		f.Close()
		e := &LockedError{Path: path}
		e.PID, e.Host, e.Since = parseOwner(string(owner))
		return nil, e
	}
	host, _ := os.Hostname()
	owner := fmt.Sprintf("pid=%d\nhost=%s\nsince=%s\n", os.Getpid(), host, now.UTC().Format(time.RFC3339Nano))
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt([]byte(owner), 0)
	}
	if err != nil {
		unlock(f)
		f.Close()
		return nil, fmt.Errorf("sqlite: open %s: write the lock file: %w", path, err)
	}
	return &fileLock{f: f}, nil
}

// release clears the owner and lets the lock go.
func (l *fileLock) release() error {
	if l == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	unlock(l.f)
	return l.f.Close()
}

// parseOwner reads what lockFile wrote.
func parseOwner(s string) (pid int, host string, since time.Time) {
	for line := range strings.Lines(s) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		switch k {
		case "pid":
			pid, _ = strconv.Atoi(v)
		case "host":
			host = v
		case "since":
			since, _ = time.Parse(time.RFC3339Nano, v)
		}
	}
	return pid, host, since
}
