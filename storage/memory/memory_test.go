package memory_test

import (
	"testing"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/memory"
	"github.com/rosync/rosync/storage/storagetest"
)

// TestConformance runs the Store contract's suite; its Lock/Exclusive and
// SeenEvent/Concurrent subtests are this Store's share of ENG-1 (one RO App
// order per platform order, however often it arrives).
func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) rosync.Store { return memory.New() })
}
