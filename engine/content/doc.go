// Package content owns what an SMS says and how it travels in short_message:
// the SMPP data_coding values Jasmin's HTTP API names (Coding), turning UTF-8
// text into short_message octets and back (Encode, Decode, Fits, Best),
// cutting long content into submit_sm parts with a concatenation UDH or SAR
// TLVs (Split, Count, CountFor), and, for mobile-originated traffic, reading
// the concatenation information of a deliver_sm (ParseUDH, SARConcat) and
// putting the parts of a long message back together (Reassembler).
//
// It is pure logic: no I/O, no goroutines, no locks. The hot-path functions
// have Append-style variants (AppendEncode, AppendDecode, AppendSplit) that
// allocate nothing when the caller's buffers have room.
//
// GSM 03.38 (coding 0) is carried unpacked, one septet per octet, as Jasmin
// and most SMSCs do over SMPP; characters of the extension table travel as an
// escape pair (0x1B, code). Every conversion is strict: a character a coding
// cannot represent, or an octet sequence that is not valid in a coding, is an
// error that names it and its position. Nothing is silently replaced.
package content
