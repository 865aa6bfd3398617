package store

// Resident memory of a queue: how many ready messages it keeps in memory
// before newer ones stay on disk only until dispatch reaches them.

// SetMaxResident bounds the ready messages of each priority q keeps in
// memory (at least 1; DefaultMaxResident when a queue is opened). Beyond
// it appends stay on disk only and are read back, at most n at a time,
// when dispatch reaches them; so a queue that holds a large backlog it
// dispatches slowly (callback retries waiting for their time) costs n
// messages of memory, not the backlog. Messages already resident beyond
// n are let go (they are on disk) and read again in order.
func (q *Queue) SetMaxResident(n int) {
	n = max(n, 1)
	q.mu.Lock()
	defer q.mu.Unlock()
	q.maxResident = n
	for p := range q.lanes {
		l := &q.lanes[p]
		if l.resident() <= n {
			continue
		}
		// Keep the oldest n; the rest are durable (only landed messages
		// are resident) and come back from disk from the first let go.
		cut := l.head + n
		first := l.mem[cut].Seq
		for _, m := range l.mem[cut:] {
			first = min(first, m.Seq)
		}
		clear(l.mem[cut:])
		l.mem = l.mem[:cut]
		l.spilled, l.diskNext = true, first
	}
}

// Resident is how many ready messages q holds in memory, every priority
// together (Stats counts those on disk too).
func (q *Queue) Resident() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for p := range q.lanes {
		n += q.lanes[p].resident()
	}
	return n
}
