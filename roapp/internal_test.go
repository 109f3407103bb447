package roapp

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBackoff(t *testing.T) {
	c := New("k", nil)
	min, max := 100*time.Millisecond, time.Second
	for attempt, wantMax := range []time.Duration{100, 200, 400, 800, 1000, 1000, 1000} {
		wantMax *= time.Millisecond
		for range 50 {
			d := c.backoff(min, max, attempt, nil)
			if d < wantMax/2 || d > wantMax {
				t.Fatalf("attempt %d: backoff %v outside [%v, %v]", attempt, d, wantMax/2, wantMax)
			}
		}
	}
	if d := c.backoff(min, max, 100, nil); d < max/2 || d > max {
		t.Errorf("huge attempt: %v", d)
	}
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"7"}}}
	if d := c.backoff(min, max, 0, resp); d != 7*time.Second {
		t.Errorf("Retry-After 7: backoff %v", d)
	}
	resp.Header.Set("Retry-After", "7200")
	if d := c.backoff(min, max, 0, resp); d != MaxRetryAfter {
		t.Errorf("Retry-After 7200: backoff %v, want the cap", d)
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct{ body, want string }{
		{``, ``},
		{`{"message":"Bad"}`, `Bad`},
		{`{"message":{"validation":{"email":["invalid"],"phones":["required","too short"]}}}`, `validation: email: invalid; phones: required, too short`},
		{`{"error":{"message":"nope"},"detail":"more"}`, `message: nope; more`},
		{`{"message":"Bad","errors":{"price":["must be a number"]}}`, `Bad; price: must be a number`},
		{`{"validation":{"client_id":["unknown"]}}`, `client_id: unknown`},
		{`"plain string"`, `plain string`},
		{"<html>\n  Oops \n</html>", `<html> Oops </html>`},
	}
	for _, tt := range tests {
		if got := errorMessage([]byte(tt.body)); got != tt.want {
			t.Errorf("errorMessage(%s) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestDecodeListAndID(t *testing.T) {
	items, pg, err := decodeList([]byte(`{"data":[1,2],"paging":{"page":"2","total_pages":3,"count":102,"limit":50}}`))
	if err != nil || len(items) != 2 || pg == nil || pg.Page != 2 || pg.TotalPages != 3 {
		t.Errorf("paged: %v %+v %v", items, pg, err)
	}
	items, pg, err = decodeList([]byte(` [1] `))
	if err != nil || len(items) != 1 || pg != nil {
		t.Errorf("bare: %v %+v %v", items, pg, err)
	}
	if _, _, err := decodeList([]byte(`{"data":{"id":1}}`)); err == nil {
		t.Error("object data: want an error")
	}
	for body, want := range map[string]int64{`{"id":5}`: 5, `{"data":{"id":"6"}}`: 6, `7`: 7, `"8"`: 8, `{"data":9}`: 9} {
		got, err := parseID([]byte(body))
		if err != nil || got != want {
			t.Errorf("parseID(%s) = %d, %v; want %d", body, got, err, want)
		}
	}
	for _, body := range []string{``, `{}`, `{"id":0}`, `{"id":1.5}`, `[]`, `null`} {
		if _, err := parseID([]byte(body)); err == nil {
			t.Errorf("parseID(%s): want an error", body)
		}
	}
}

func TestFlexTypes(t *testing.T) {
	var ft flexTime
	for in, want := range map[string]time.Time{
		`"2024-01-15T10:30:00Z"`:        time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC),
		`"2024-01-15T12:30:00+02:00"`:   time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC),
		`"2024-01-15 10:30:00"`:         time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC),
		`1705314600000`:                 time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC),
		`1705314600`:                    time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC),
		`null`:                          {},
		`"2024-01-15T10:30:00.123456Z"`: time.Date(2024, 1, 15, 10, 30, 0, 123456000, time.UTC),
	} {
		if err := ft.UnmarshalJSON([]byte(in)); err != nil || !time.Time(ft).Equal(want) {
			t.Errorf("flexTime(%s) = %v, %v; want %v", in, time.Time(ft), err, want)
		}
	}
	var cf customFields
	if err := cf.UnmarshalJSON([]byte(`[{"id":12,"value":"a"},{"id":"f13","value":5}]`)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(customFields{"12": "a", "f12": "a", "f13": "5"}, cf); diff != "" {
		t.Errorf("customFields (-want +got):\n%s", diff)
	}
	var fi flexInt
	if err := fi.UnmarshalJSON([]byte(`"1.5"`)); err == nil {
		t.Error("flexInt(1.5): want an error")
	}
}

// TestPriorityLimiterPumpStops checks that the limiter's goroutine ends
// when no request waits (no goroutine left per limiter or per request),
// and that a later request starts a new one.
func TestPriorityLimiterPumpStops(t *testing.T) {
	l := NewRateLimiter(1e6, 1)
	running := func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.running
	}
	for round := range 3 {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if err := l.Wait(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		deadline := time.Now().Add(30 * time.Second) // bounds a broken test only
		for running() {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the pump still runs with no request waiting", round)
			}
			time.Sleep(time.Millisecond)
		}
	}
}
