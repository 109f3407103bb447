package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rosync/rosync"
)

// This file runs the initial import through a bulk query operation:
// https://shopify.dev/docs/api/usage/bulk-operations/queries. The result
// file is read by bulkread.go.

// The statuses of a bulk operation (BulkOperationStatus) that end it.
const (
	bulkCompleted = "COMPLETED"
	bulkFailed    = "FAILED"
	bulkCanceled  = "CANCELED"
	bulkExpired   = "EXPIRED"
)

// BulkOperationError is a bulk operation that ended without a result:
// FAILED (ErrorCode says why, e.g. INTERNAL_SERVER_ERROR or TIMEOUT),
// CANCELED or EXPIRED. Shopify suggests running the query again, so
// rosync.Retryable treats it as transient.
type BulkOperationError struct {
	ID        string // the BulkOperation GID
	Status    string
	ErrorCode string // "" when Shopify gave none
}

func (e *BulkOperationError) Error() string {
	msg := "shopify: bulk operation " + e.ID + " ended " + e.Status
	if e.ErrorCode != "" {
		msg += " with error code " + e.ErrorCode
	}
	return msg
}

// bulkOperation is a BulkOperation as bulkPollQuery reads it.
type bulkOperation struct {
	ID        string  `json:"id"`
	Status    string  `json:"status"`
	ErrorCode *string `json:"errorCode"`
	// ObjectCount and FileSize are UnsignedInt64, sent as strings.
	ObjectCount    json.RawMessage `json:"objectCount"`
	FileSize       json.RawMessage `json:"fileSize"`
	URL            *string         `json:"url"`
	PartialDataURL *string         `json:"partialDataUrl"`
}

// unsigned reads an UnsignedInt64 (a string of digits, or a number); ok is
// false for null, absence or anything else.
func unsigned(raw json.RawMessage) (n int64, ok bool) {
	s := string(bytes.Trim(bytes.TrimSpace(raw), `"`))
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, false
	}
	return v, true
}

// bulkOrders reads the initial import through one bulk operation: the plan
// (SHO-C2), bulkOperationRunQuery, polls until the operation ends, then the
// JSONL result, streamed order by order. It reports false, before yielding
// anything, when the orders are to be read page by page instead: Shopify
// refused to start the operation (another bulk query of the app is
// running on the shop, or the token or API version cannot run one), or
// the operation failed with ACCESS_DENIED. Any other error is yielded.
func (p *Platform) bulkOrders(ctx context.Context, q rosync.Query, yield func(rosync.Order, error) bool) bool {
	var plan struct {
		Shop shopPlan `json:"shop"`
	}
	if err := p.c.query(ctx, "shop plan", shopPlanQuery, nil, shopPlanCost, &plan); err != nil {
		if transientStart(ctx, err) {
			p.log.WarnContext(ctx, "shop plan not read before the bulk operation; reading the orders page by page", "error", err)
			return false
		}
		yield(rosync.Order{}, err)
		return true
	}
	limited := p.limitedPlan(plan.Shop.name())
	id, why, level, err := p.startBulk(ctx, bulkOrdersQuery(searchQuery(q)))
	switch {
	case err != nil:
		yield(rosync.Order{}, err)
		return true
	case why != "":
		p.log.Log(ctx, level, "bulk operation not started; reading the orders page by page", "reason", why)
		return false
	}
	p.log.DebugContext(ctx, "bulk operation started", "id", id)
	op, err := p.waitBulk(ctx, id)
	if err != nil {
		yield(rosync.Order{}, err)
		return true
	}
	code := strings.TrimSpace(str(op.ErrorCode))
	switch {
	case op.Status == bulkCompleted:
	case op.Status == bulkFailed && code == "ACCESS_DENIED":
		// A scope the bulk query needs is missing; the paged queries
		// may still read what the app can see, and name what it cannot.
		p.log.WarnContext(ctx, "bulk operation denied access; reading the orders page by page", "id", id, "errorCode", code)
		return false
	default:
		yield(rosync.Order{}, &BulkOperationError{ID: id, Status: op.Status, ErrorCode: code})
		return true
	}
	objects, _ := unsigned(op.ObjectCount)
	size, hasSize := unsigned(op.FileSize)
	url := str(op.URL)
	p.log.DebugContext(ctx, "bulk operation completed", "id", id, "objects", objects, "bytes", size)
	if url == "" {
		// Shopify gives no file when the query found nothing.
		if objects > 0 {
			yield(rosync.Order{}, fmt.Errorf("shopify: bulk operation %s completed with %d objects but no result URL", id, objects))
		}
		return true
	}
	s := &bulkStream{p: p, id: id, url: url, size: size, hasSize: hasSize, objects: objects, limited: limited, yield: yield}
	s.run(ctx)
	return true
}

// startBulk starts a bulk query. It returns the operation's id, or why the
// orders should be read page by page instead (and how loudly to log it);
// err is any other failure.
func (p *Platform) startBulk(ctx context.Context, query string) (id, fallback string, level slog.Level, err error) {
	var data struct {
		Run *struct {
			BulkOperation *struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"bulkOperation"`
			UserErrors []struct {
				Field   []string `json:"field"`
				Message string   `json:"message"`
				Code    *string  `json:"code"`
			} `json:"userErrors"`
		} `json:"bulkOperationRunQuery"`
	}
	err = p.c.query(ctx, "bulk operation start", bulkRunMutation, map[string]any{"query": query}, mutationCost, &data)
	var api *rosync.APIError
	if errors.As(err, &api) && api.Status == http.StatusOK && api.Err == nil {
		// GraphQL errors: this token or API version cannot run the
		// mutation. The paged queries can still read the orders.
		return "", "the bulk operation mutation was refused: " + api.Message, slog.LevelWarn, nil
	}
	if err != nil {
		if transientStart(ctx, err) {
			// Still failing after the retries (network, 5xx, a
			// malformed answer): the pages may get through. If the
			// mutation did start an operation, it runs on at Shopify
			// and the next import reads pages while it does.
			return "", "the bulk operation could not be started: " + p.c.redact(err.Error()), slog.LevelWarn, nil
		}
		return "", "", 0, err
	}
	if data.Run == nil {
		return "", "", 0, errors.New("shopify: bulk operation start: the answer has no payload")
	}
	if ue := data.Run.UserErrors; len(ue) > 0 {
		code := strings.TrimSpace(str(ue[0].Code))
		level = slog.LevelWarn
		if code == "OPERATION_IN_PROGRESS" || code == "LIMIT_REACHED" {
			// Another bulk query of the app is running on the shop (one
			// at a time before API version 2026-01, five from it on).
			level = slog.LevelInfo
		}
		msg := p.c.redact(strings.TrimSpace(ue[0].Message))
		if code != "" {
			msg = code + ": " + msg
		}
		return "", msg, level, nil
	}
	if data.Run.BulkOperation == nil || data.Run.BulkOperation.ID == "" {
		return "", "", 0, errors.New("shopify: bulk operation start: the answer has neither an operation nor an error")
	}
	return data.Run.BulkOperation.ID, "", 0, nil
}

// waitBulk polls a bulk operation until it ends: at once, then after
// bulkPoll, growing by half each time up to maxBulkPollInterval (or
// bulkPoll when longer), on the adapter's clock, for at most bulkMaxWait.
func (p *Platform) waitBulk(ctx context.Context, id string) (*bulkOperation, error) {
	start := p.c.now()
	wait := p.bulkPoll
	ceiling := max(maxBulkPollInterval, p.bulkPoll)
	status := ""
	for polls := 0; ; polls++ {
		if polls > 0 {
			if waited := p.c.now().Sub(start); waited+wait > p.bulkMaxWait {
				return nil, fmt.Errorf("shopify: bulk operation %s still %s after %s (Options.BulkMaxWait): %w",
					id, status, waited.Round(time.Second), context.DeadlineExceeded)
			}
			if err := p.c.sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("shopify: bulk operation %s: %w", id, err)
			}
			wait = min(wait+wait/2, ceiling)
		}
		var data struct {
			Node *bulkOperation `json:"node"`
		}
		if err := p.c.query(ctx, "bulk operation", bulkPollQuery, map[string]any{"id": id}, bulkPollCost, &data); err != nil {
			return nil, err
		}
		if data.Node == nil || data.Node.Status == "" {
			return nil, fmt.Errorf("shopify: bulk operation %s: not found", id)
		}
		switch data.Node.Status {
		case bulkCompleted, bulkFailed, bulkCanceled, bulkExpired:
			return data.Node, nil
		}
		status = data.Node.Status
		objects, _ := unsigned(data.Node.ObjectCount)
		p.log.DebugContext(ctx, "bulk operation running", "id", id, "status", status, "objects", objects)
	}
}

// transientStart reports whether a failure to start the bulk operation
// (after the query's retries) is one the paged queries may get past: a
// transient error while ctx is still live.
func transientStart(ctx context.Context, err error) bool {
	return ctx.Err() == nil && rosync.Retryable(err)
}
