package store

// slotPage is how many slots a full page holds.
const slotPage = 1024

// slotList is the window of slots, in pages: appending never copies the
// slots already there (a flat slice copies all of them, pointers and GC
// write barriers included, every time it grows), and the front goes a page
// at a time. The last page grows like a slice up to slotPage, so a small
// store stays small.
type slotList[P any] struct {
	pages [][]slot[P]
	off   int // index of the first slot in pages[0]
	n     int // slots in the list
}

func (l *slotList[P]) len() int { return l.n }

// at returns slot i (0 <= i < len).
func (l *slotList[P]) at(i int) *slot[P] {
	j := l.off + i
	return &l.pages[j/slotPage][j%slotPage]
}

// push appends s.
func (l *slotList[P]) push(s slot[P]) {
	last := len(l.pages) - 1
	if last < 0 || len(l.pages[last]) == slotPage {
		c := 8
		if last >= 0 {
			c = slotPage // a store past one page keeps growing
		}
		l.pages = append(l.pages, make([]slot[P], 0, c))
		last++
	}
	if p := l.pages[last]; len(p) == cap(p) {
		// Double up to exactly slotPage (append would overshoot it).
		np := make([]slot[P], len(p), min(2*cap(p), slotPage))
		copy(np, p)
		l.pages[last] = np
	}
	l.pages[last] = append(l.pages[last], s)
	l.n++
}

// dropFront removes the first k slots.
func (l *slotList[P]) dropFront(k int) {
	if k >= l.n {
		l.reset()
		return
	}
	l.n -= k
	l.off += k
	for l.off >= slotPage {
		l.pages[0] = nil
		l.pages = l.pages[1:]
		l.off -= slotPage
	}
	// Clear what was dropped from the first page, so payloads it held can
	// be collected.
	clear(l.pages[0][:l.off])
}

// truncate keeps the first k slots.
func (l *slotList[P]) truncate(k int) {
	if k >= l.n {
		return
	}
	if k == 0 {
		l.reset()
		return
	}
	end := l.off + k // slots kept end before index end
	np := (end + slotPage - 1) / slotPage
	clear(l.pages[np:])
	l.pages = l.pages[:np]
	last := l.pages[np-1]
	cut := end - (np-1)*slotPage
	clear(last[cut:])
	l.pages[np-1] = last[:cut]
	l.n = k
}

// reset empties the list, keeping nothing.
func (l *slotList[P]) reset() {
	clear(l.pages)
	l.pages = l.pages[:0]
	l.off, l.n = 0, 0
}
