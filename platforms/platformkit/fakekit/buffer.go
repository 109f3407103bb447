package fakekit

import (
	"bytes"
	"sync"
)

// LogBuffer is an io.Writer safe for concurrent writes, whose text a test
// reads with String: the sink of a logger (slog.NewTextHandler) given to
// an adapter or a Syncer that logs from several goroutines. The zero value
// is ready.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns the text written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
