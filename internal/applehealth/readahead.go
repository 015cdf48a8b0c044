package applehealth

import (
	"io"
	"sync"
)

// readAhead reads r in its own goroutine, a few chunks ahead of the caller,
// so inflating export.xml out of the zip runs beside the XML decoder
// instead of in turn with it. Close stops the goroutine and waits for it,
// so r can be closed safely after; r itself is not closed.
type readAhead struct {
	ch     chan chunk
	free   chan []byte
	done   chan struct{}
	exited chan struct{}
	once   sync.Once
	cur    []byte
	curBuf []byte
	err    error
}

type chunk struct {
	b   []byte
	err error
}

const (
	aheadChunk = 256 << 10
	aheadDepth = 4
)

func newReadAhead(r io.Reader) *readAhead {
	a := &readAhead{ch: make(chan chunk, aheadDepth), free: make(chan []byte, aheadDepth+2), done: make(chan struct{}), exited: make(chan struct{})}
	for i := 0; i < aheadDepth+2; i++ {
		a.free <- make([]byte, aheadChunk)
	}
	go func() {
		defer close(a.exited)
		defer close(a.ch)
		for {
			var buf []byte
			select {
			case buf = <-a.free:
			case <-a.done:
				return
			}
			n, err := io.ReadFull(r, buf)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			select {
			case a.ch <- chunk{buf[:n], err}:
			case <-a.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return a
}

func (a *readAhead) Read(p []byte) (int, error) {
	for len(a.cur) == 0 {
		if a.err != nil {
			return 0, a.err
		}
		if a.curBuf != nil {
			a.free <- a.curBuf[:cap(a.curBuf)]
			a.curBuf = nil
		}
		c, ok := <-a.ch
		if !ok {
			if a.err == nil {
				a.err = io.ErrClosedPipe
			}
			return 0, a.err
		}
		a.cur, a.curBuf, a.err = c.b, c.b, c.err
	}
	n := copy(p, a.cur)
	a.cur = a.cur[n:]
	return n, nil
}

func (a *readAhead) Close() error {
	a.once.Do(func() { close(a.done) })
	<-a.exited
	return nil
}
