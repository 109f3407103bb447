package rosyncriver

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
)

// Inserter inserts River jobs: a *river.Client of any driver is one.
type Inserter interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Inbox returns the http.Handler for the webhooks of s's platform that
// writes each verified hint as a HintArgs job and answers 200 once the
// insert committed; a redelivery of an event whose job River still keeps
// inserts nothing and is answered 200 too. Refusals are
// rosync.Syncer.WebhookFunc's (401, 413, 400, with EventWebhookRefused); a
// failed insert answers 500, so that the platform delivers again.
func Inbox(ins Inserter, s *rosync.Syncer) http.Handler {
	shop := s.Shop()
	return s.WebhookFunc(func(ctx context.Context, h rosync.Hint) error {
		if h.OrderID == "" {
			return nil // a ping or an unknown topic: nothing to apply
		}
		if _, err := ins.Insert(ctx, NewHintArgs(shop, h), nil); err != nil {
			return fmt.Errorf("rosyncriver: insert the hint of order %s: %w", h.OrderID, err)
		}
		return nil
	})
}

// ROInbox returns the http.Handler for RO App's webhooks that verifies
// each delivery with roapp.VerifyWebhook (405 for another method than
// POST, 401 on a bad or missing signature, 413 over roapp.MaxWebhookBytes,
// 400 for a malformed payload; refused, when set, is told of each refusal),
// writes the event as an ROEventArgs job and answers 200 once the insert
// committed. A failed insert answers 503: RO App delivers again, and the
// next reconciliation poll does the event's work in any case.
func ROInbox(ins Inserter, secret string, refused func(ctx context.Context, err error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		ev, err := roapp.VerifyWebhook(r, secret)
		if err != nil {
			if refused != nil {
				refused(r.Context(), err)
			}
			switch {
			case errors.Is(err, rosync.ErrSignature):
				http.Error(w, "bad signature", http.StatusUnauthorized)
			case errors.Is(err, rosync.ErrBodyTooLarge):
				http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			default:
				http.Error(w, "malformed webhook", http.StatusBadRequest)
			}
			return
		}
		if _, err := ins.Insert(r.Context(), ROEventArgs{ID: ev.ID, Event: ev}, nil); err != nil {
			http.Error(w, "not accepted", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
