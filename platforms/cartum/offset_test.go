package cartum_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/cartum"
)

// A server that ignores the offset serves the same full page forever; the
// stream must end with an error instead of looping.
func TestOrders_OffsetIgnored(t *testing.T) {
	page := []json.RawMessage{
		json.RawMessage(orderJSON(1, 1, "2026-11-20 10:00:00")),
		json.RawMessage(orderJSON(2, 1, "2026-11-20 11:00:00")),
	}
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/auth/":
			_ = json.NewEncoder(w).Encode(map[string]any{"status": "OK", "response": map[string]any{"token": "t"}})
		case "/api/orders/get/":
			calls++
			_ = json.NewEncoder(w).Encode(map[string]any{"status": "OK", "response": map[string]any{"orders": page}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	p, err := cartum.New(srv.URL, cartum.Credentials{Login: testLogin, Password: testPassword},
		&cartum.Options{Currency: "UAH", HTTPClient: srv.Client(), PageSize: 2})
	require.NoError(t, err)
	n := 0
	var api *rosync.APIError
	for _, err := range p.Orders(context.Background(), rosync.Query{CreatedSince: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}) {
		if err != nil {
			require.True(t, errors.As(err, &api), "err = %v", err)
			break
		}
		n++
		require.Less(t, n, 10, "the stream loops on a server that ignores the offset")
	}
	require.NotNil(t, api, "the stream ended without an error")
	require.Equal(t, 2, n)
	require.Equal(t, 2, calls)
}
