package postgres

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// errClosed is the error of every call on a closed Store.
var errClosed = errors.New("postgres: the Store is closed")

// pool runs the Store's statements on a pgxpool.Pool: the Store's own (Open,
// whose connections start in the Store's schema) or the caller's (OpenPool).
// pgxpool destroys a connection given back busy or inside a transaction.
type pool struct {
	p *pgxpool.Pool
	// owned: the Store made p and closes it; its connections start with
	// search_path set to the Store's schema.
	owned bool
	// setPath is "SET search_path TO <schema>" for a caller's pool, whose
	// connections are the caller's: the path is set for each statement
	// and reset (to the connection's own default) before the connection
	// is given back.
	setPath string
	closed  atomic.Bool
}

// with runs fn on a pooled connection in the Store's schema.
func (p *pool) with(ctx context.Context, fn func(*pgx.Conn) error) error {
	if p.closed.Load() {
		return errClosed
	}
	c, err := p.p.Acquire(ctx)
	if err != nil {
		return err
	}
	if p.setPath == "" {
		defer c.Release()
		return fn(c.Conn())
	}
	if _, err := c.Exec(ctx, p.setPath); err != nil {
		c.Release()
		return err
	}
	err = fn(c.Conn())
	// The path goes back to the connection's default before the caller's
	// code sees the connection again; a connection where that fails is
	// closed rather than returned with the Store's path.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if c.Conn().PgConn().TxStatus() != 'I' || c.Conn().PgConn().IsBusy() {
		closeConn(c.Hijack())
		return err
	}
	if _, rerr := c.Exec(rctx, "RESET search_path"); rerr != nil {
		closeConn(c.Hijack())
		return err
	}
	c.Release()
	return err
}

// close makes later calls fail and closes the pool if the Store made it;
// a caller's pool stays open.
func (p *pool) close() {
	p.closed.Store(true)
	if p.owned {
		p.p.Close()
	}
}

// closeConn closes c, waiting at most a few seconds for the server.
func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.Close(ctx)
}
