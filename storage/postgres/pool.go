package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// errClosed is the error of every call on a closed Store.
var errClosed = errors.New("postgres: the Store is closed")

// pingAfter is how long a connection may sit idle before acquire checks it
// with a ping (a server restart or an idle timeout may have ended it).
const pingAfter = 30 * time.Second

// pool is a small bounded pool of pgx connections.
//
// It stands in for pgxpool, which needs github.com/jackc/puddle/v2 in
// go.mod; the Store only ever holds a pooled connection for the length of
// one statement or one transaction, so this is all it needs. At most max
// connections are open or opening at once; idle ones are kept for reuse and
// a connection that is broken, busy or inside a transaction is closed
// instead of being returned.
type pool struct {
	cfg   *pgx.ConnConfig
	slots chan struct{} // a token per connection in use or being opened

	mu     sync.Mutex
	idle   []idleConn // guarded by mu
	closed bool       // guarded by mu
}

type idleConn struct {
	c     *pgx.Conn
	since time.Time
}

func newPool(cfg *pgx.ConnConfig, max int) *pool {
	return &pool{cfg: cfg, slots: make(chan struct{}, max)}
}

// acquire returns a connection, waiting for a free slot until ctx is done.
// The caller gives it back with release.
func (p *pool) acquire(ctx context.Context) (*pgx.Conn, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			<-p.slots
			return nil, errClosed
		}
		var ic idleConn
		if n := len(p.idle); n > 0 {
			ic = p.idle[n-1]
			p.idle = p.idle[:n-1]
		}
		p.mu.Unlock()
		if ic.c == nil {
			break
		}
		if ic.c.IsClosed() {
			continue
		}
		if time.Since(ic.since) < pingAfter || ic.c.Ping(ctx) == nil {
			return ic.c, nil
		}
		closeConn(ic.c)
		if err := ctx.Err(); err != nil {
			<-p.slots
			return nil, err
		}
	}
	c, err := pgx.ConnectConfig(ctx, p.cfg)
	if err != nil {
		<-p.slots
		return nil, err
	}
	return c, nil
}

// release gives back a connection that acquire returned.
func (p *pool) release(c *pgx.Conn) {
	reuse := !c.IsClosed() && !c.PgConn().IsBusy() && c.PgConn().TxStatus() == 'I'
	p.mu.Lock()
	if reuse && !p.closed {
		p.idle = append(p.idle, idleConn{c, time.Now()})
		c = nil
	}
	p.mu.Unlock()
	if c != nil {
		closeConn(c)
	}
	<-p.slots
}

// with runs fn on a pooled connection.
func (p *pool) with(ctx context.Context, fn func(*pgx.Conn) error) error {
	c, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer p.release(c)
	return fn(c)
}

// close closes the idle connections and makes later acquires fail;
// connections in use are closed as they are released.
func (p *pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, ic := range idle {
		closeConn(ic.c)
	}
}

// closeConn closes c, waiting at most a few seconds for the server.
func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.Close(ctx)
}
