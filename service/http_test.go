package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSlowClientsCut: 50 clients that trickle their request (half the
// headers, half the body, a byte every 20 ms, forever) against the server as
// Run builds it, on loopback with short timeouts: every one of them is cut,
// no more than MaxConnections connections are ever open at once, and a
// normal webhook-like request still gets its answer. Nothing asserts how
// fast: the deadlines only end a test that would otherwise hang.
func TestSlowClientsCut(t *testing.T) {
	hc := HTTPConfig{
		ReadHeaderTimeout: Duration(time.Second),
		ReadTimeout:       Duration(2 * time.Second),
		WriteTimeout:      Duration(5 * time.Second),
		IdleTimeout:       Duration(time.Second),
		MaxConnections:    25,
	}
	hc.applyDefaults()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 1<<20)); err != nil {
			http.Error(w, "body not read", http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	srv := hc.server(handler)
	inner, lerr := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, lerr)
	// The connections are counted under the limiter, where they are
	// accepted and closed: the server's ConnState hook runs StateClosed
	// only after the connection closed and its slot was given back, so
	// counting there would see a next connection before the previous one
	// left, and overcount on a loaded machine.
	counted := &countingListener{Listener: inner}
	ln := limitListener(counted, hc.MaxConnections)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	addr := inner.Addr().String()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a hang guard, not a speed bound
	defer cancel()

	const slow = 50
	var wg sync.WaitGroup
	cut := make(chan error, slow)
	for i := range slow {
		wg.Go(func() { cut <- trickle(ctx, addr, i%2 == 0) })
	}

	// A normal request while the slow ones hold the connections: it is
	// answered once the server has cut enough of them. On a loaded machine
	// even a normal client may be too slow for these short timeouts once:
	// it tries again, as the platforms retry a webhook.
	client := &http.Client{Timeout: 50 * time.Second}
	var (
		resp *http.Response
		err  error
	)
	for attempt := 0; attempt < 3; attempt++ {
		resp, err = client.Post("http://"+addr+"/webhooks/shop", "application/json", strings.NewReader(`{"id":1}`))
		if err == nil {
			break
		}
		t.Logf("normal request, attempt %d: %v", attempt+1, err)
	}
	require.NoError(t, err, "a normal request gets through the slow clients")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "ok", string(body))

	wg.Wait()
	close(cut)
	n := 0
	for err := range cut {
		require.NoError(t, err, "every slow client is cut by the server")
		n++
	}
	require.Equal(t, slow, n)
	require.LessOrEqual(t, counted.max.Load(), int64(hc.MaxConnections), "never more connections open than max_connections")
	require.Positive(t, counted.max.Load())
}

// countingListener counts the connections open at once (accepted and not
// yet closed) and keeps the highest count.
type countingListener struct {
	net.Listener
	open, max atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	n := l.open.Add(1)
	for m := l.max.Load(); n > m && !l.max.CompareAndSwap(m, n); m = l.max.Load() {
	}
	return &countedConn{Conn: c, l: l}, nil
}

// countedConn leaves the count at its first Close.
type countedConn struct {
	net.Conn
	l    *countingListener
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.open.Add(-1) })
	return err
}

// trickle opens a connection and sends a request one byte every 20 ms, the
// headers slowly (headers) or complete headers then a slow 1 MB body,
// until the server closes the connection: it returns nil then, and an error
// when ctx ends first (the server never cut it).
func trickle(ctx context.Context, addr string, headers bool) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	closed := make(chan struct{})
	go func() {
		// The server's answer (a 400 for a body cut short) or its close:
		// read until EOF or an error, i.e. the connection is gone.
		_, _ = io.Copy(io.Discard, c)
		close(closed)
	}()
	var req []byte
	if headers {
		req = []byte("POST /webhooks/shop HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Slow: " + strings.Repeat("a", 1<<16))
	} else {
		req = append([]byte("POST /webhooks/shop HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"), bytes.Repeat([]byte("a"), 1000000)...)
		// The headers at once, the body byte by byte.
		if _, err := c.Write(req[:bytes.Index(req, []byte("\r\n\r\n"))+4]); err != nil {
			return nil // already cut
		}
		req = req[bytes.Index(req, []byte("\r\n\r\n"))+4:]
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-closed:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("slow client (headers=%v) still connected after %d bytes: %w", headers, i, ctx.Err())
		case <-tick.C:
		}
		if i >= len(req) {
			return errors.New("slow client sent its whole request: not slow enough for this test")
		}
		if _, err := c.Write(req[i : i+1]); err != nil {
			// A write to a connection the server closed fails (at once or
			// after a reset): cut.
			<-closed
			return nil
		}
	}
}
