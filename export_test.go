package rosync

// MirrorRefreshes is how many refreshes of the mirror's contacts and
// products the Syncer ran, for the tests of their coalescing.
func MirrorRefreshes(s *Syncer) (contacts, products int) {
	for _, f := range []*mirrorFeed{&s.index.contacts, &s.index.products} {
		s.index.fmu.Lock()
		n := f.runs
		s.index.fmu.Unlock()
		if f == &s.index.contacts {
			contacts = n
		} else {
			products = n
		}
	}
	return contacts, products
}
