//go:build chaos

package chaos

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/gwd-project/gwd/smpp"
)

// rawESME is an SMPP client on a bare socket: it writes what it is told
// and reads answers only when asked, as a misbehaving client does.
type rawESME struct {
	c   net.Conn
	buf []byte
}

// dialRaw binds the chaos account as a transmitter.
func dialRaw(h *harness) (*rawESME, error) {
	c, err := net.DialTimeout("tcp", h.addr(h.smppPort), 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	r := &rawESME{c: c}
	var bind smpp.PDU
	bind.Command, bind.Seq = smpp.BindTransmitter, 1
	bind.SystemID, bind.Password, bind.InterfaceVersion = []byte(user), []byte(password), 0x34
	if err := r.write(10*time.Second, bind); err != nil {
		c.Close()
		return nil, err
	}
	cmd, st, _, _, err := r.read(10 * time.Second)
	if err != nil || cmd != smpp.BindTransmitterResp || st != smpp.ESME_ROK {
		c.Close()
		return nil, fmt.Errorf("bind answered %v %v (%v)", cmd, st, err)
	}
	return r, nil
}

// submitPDU is a submit_sm carrying content, without a receipt.
func submitPDU(seq uint32, content string) smpp.PDU {
	var p smpp.PDU
	p.Command, p.Seq = smpp.SubmitSM, seq
	p.Source = smpp.Address{TON: 5, Addr: []byte("chaos")}
	p.Dest = smpp.Address{TON: 1, NPI: 1, Addr: []byte("33600000004")}
	p.ShortMessage = []byte(content)
	return p
}

func (r *rawESME) write(timeout time.Duration, ps ...smpp.PDU) error {
	r.buf = r.buf[:0]
	for i := range ps {
		r.buf = ps[i].AppendTo(r.buf)
	}
	_ = r.c.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := r.c.Write(r.buf); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// read returns the next PDU's command, status, sequence number and body.
func (r *rawESME) read(timeout time.Duration) (smpp.CommandID, smpp.Status, uint32, []byte, error) {
	_ = r.c.SetReadDeadline(time.Now().Add(timeout))
	var hdr [16]byte
	if _, err := io.ReadFull(r.c, hdr[:]); err != nil {
		return 0, 0, 0, nil, fmt.Errorf("read: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[0:])
	if n < 16 || n > 1<<16 {
		return 0, 0, 0, nil, fmt.Errorf("command_length %d", n)
	}
	body := make([]byte, n-16)
	if _, err := io.ReadFull(r.c, body); err != nil {
		return 0, 0, 0, nil, fmt.Errorf("read: %w", err)
	}
	return smpp.CommandID(binary.BigEndian.Uint32(hdr[4:])), smpp.Status(binary.BigEndian.Uint32(hdr[8:])),
		binary.BigEndian.Uint32(hdr[12:]), body, nil
}

func (r *rawESME) close() { r.c.Close() }
