package platformkit_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/rosync/rosync/platforms/platformkit"
)

func jsonLogger(b *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestLoggerSlotTakesFirst: an empty slot discards until it takes a logger,
// then sends every line there, with the attributes and groups its parts
// added before the logger was taken; a second offer is refused.
func TestLoggerSlotTakesFirst(t *testing.T) {
	slot := platformkit.NewLoggerSlot(nil)
	part := slot.Logger().With("platform", "fake").WithGroup("req")
	part.Info("before", "n", 1) // discarded: nothing taken yet

	var first, second bytes.Buffer
	if !slot.Take(jsonLogger(&first).With("shop", "main")) {
		t.Fatal("an empty slot must take the first logger")
	}
	if slot.Take(jsonLogger(&second)) {
		t.Fatal("a slot must refuse a second logger")
	}
	part.Info("after", "n", 2)
	slot.Logger().Debug("plain")

	got := first.String()
	if strings.Contains(got, "before") {
		t.Errorf("a line written before Take reached the logger: %s", got)
	}
	for _, want := range []string{`"shop":"main"`, `"platform":"fake"`, `"req":{"n":2}`, `"msg":"plain"`} {
		if !strings.Contains(got, want) {
			t.Errorf("log %s lacks %s", got, want)
		}
	}
	if second.Len() != 0 {
		t.Errorf("the refused logger received %q", second.String())
	}
}

// TestLoggerSlotKeepsOwn: a slot built with the component's own logger
// keeps it and takes no other.
func TestLoggerSlotKeepsOwn(t *testing.T) {
	var own, offered bytes.Buffer
	slot := platformkit.NewLoggerSlot(jsonLogger(&own))
	if slot.Take(jsonLogger(&offered)) {
		t.Fatal("a slot with its own logger must not take another")
	}
	slot.Logger().Info("line")
	if !strings.Contains(own.String(), `"msg":"line"`) || offered.Len() != 0 {
		t.Errorf("own %q, offered %q", own.String(), offered.String())
	}
	if slot.Take(nil) {
		t.Error("nil is never taken")
	}
}

// TestLoggerSlotLevel: the taken logger's level decides what is written.
func TestLoggerSlotLevel(t *testing.T) {
	var b bytes.Buffer
	slot := platformkit.NewLoggerSlot(nil)
	slot.Take(slog.New(slog.NewJSONHandler(&b, &slog.HandlerOptions{Level: slog.LevelWarn})))
	slot.Logger().Debug("quiet")
	slot.Logger().Warn("loud")
	if strings.Contains(b.String(), "quiet") || !strings.Contains(b.String(), "loud") {
		t.Errorf("log %q", b.String())
	}
}
