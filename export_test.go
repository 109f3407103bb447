package rosync

// IndexedContacts is how many contacts the warm identity index holds, for
// the tests of its memory rule.
func IndexedContacts(s *Syncer) int {
	s.index.mu.Lock()
	defer s.index.mu.Unlock()
	return len(s.index.contacts)
}
