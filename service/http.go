package service

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// HTTPConfig bounds what one client may hold of the service's HTTP server
// (webhooks, health, metrics), so that slow or idle clients cannot pile up:
// a client that sends its request slowly is cut at ReadHeaderTimeout (the
// headers) or ReadTimeout (headers and body), one that reads its answer
// slowly at WriteTimeout, an idle keep-alive connection at IdleTimeout; and
// at most MaxConnections connections are open at once (the next ones wait in
// the kernel's accept queue until one closes). Zero fields take the
// defaults below.
type HTTPConfig struct {
	ReadHeaderTimeout Duration `yaml:"read_header_timeout"`
	ReadTimeout       Duration `yaml:"read_timeout"`
	// WriteTimeout runs from the end of the request's headers to the end
	// of the answer, so it also bounds the handling of a webhook (the
	// order is fetched and applied before the answer): an order cut short
	// is recorded and retried, nothing is lost, and the platforms give up
	// waiting long before (Shopify after 5 s).
	WriteTimeout   Duration `yaml:"write_timeout"`
	IdleTimeout    Duration `yaml:"idle_timeout"`
	MaxConnections int      `yaml:"max_connections"`
}

// Defaults of HTTPConfig.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxConnections    = 256
)

func (h *HTTPConfig) applyDefaults() {
	def := func(d *Duration, v time.Duration) {
		if *d == 0 {
			*d = Duration(v)
		}
	}
	def(&h.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&h.ReadTimeout, DefaultReadTimeout)
	def(&h.WriteTimeout, DefaultWriteTimeout)
	def(&h.IdleTimeout, DefaultIdleTimeout)
	if h.MaxConnections == 0 {
		h.MaxConnections = DefaultMaxConnections
	}
}

// server returns an http.Server for handler with h's timeouts.
func (h HTTPConfig) server(handler http.Handler) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: time.Duration(h.ReadHeaderTimeout),
		ReadTimeout:       time.Duration(h.ReadTimeout),
		WriteTimeout:      time.Duration(h.WriteTimeout),
		IdleTimeout:       time.Duration(h.IdleTimeout),
	}
}

// limitListener accepts at most n connections open at once: Accept waits
// for one of them to close before it takes the next from the kernel's
// queue. It is golang.org/x/net/netutil.LimitListener's idea, written here
// to stay within the module's dependencies. n <= 0 is no limit.
func limitListener(ln net.Listener, n int) net.Listener {
	if n <= 0 {
		return ln
	}
	return &limitedListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{})}
}

type limitedListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (l *limitedListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitedConn{Conn: c, release: func() { <-l.sem }}, nil
}

func (l *limitedListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

// limitedConn gives its slot back once, at its first Close.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
