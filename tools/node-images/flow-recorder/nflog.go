package main

import (
	"encoding/binary"
	"fmt"
	"syscall"
)

// NFLOG over netlink (linux/netfilter/nfnetlink_log.h): the messages the recorder needs to bind
// a group in copy-packet mode and read the packets the drop rule logged.
const (
	netlinkNetfilter  = 12
	nfnlSubsysULOG    = 4
	nfulnlMsgPacket   = 0
	nfulnlMsgConfig   = 1
	nfulaCfgCmd       = 1
	nfulaCfgMode      = 2
	nfulnlCfgCmdBind  = 1
	nfulnlCopyPacket  = 2
	nfulaPayload      = 9
	nlaTypeMask       = 0x3fff
	nfnetlinkVersion0 = 0
)

func nlAttr(typ uint16, value []byte) []byte {
	a := make([]byte, 4+len(value), (4+len(value)+3)&^3)
	binary.LittleEndian.PutUint16(a[0:2], uint16(4+len(value)))
	binary.LittleEndian.PutUint16(a[2:4], typ)
	copy(a[4:], value)
	return a[:cap(a)]
}

// nflogConfig is one NFULNL_MSG_CONFIG request for group carrying attrs.
func nflogConfig(group uint16, seq uint32, attrs ...[]byte) []byte {
	body := []byte{syscall.AF_UNSPEC, nfnetlinkVersion0, byte(group >> 8), byte(group)}
	for _, a := range attrs {
		body = append(body, a...)
	}
	msg := make([]byte, 16, 16+len(body))
	binary.LittleEndian.PutUint32(msg[0:4], uint32(16+len(body)))
	binary.LittleEndian.PutUint16(msg[4:6], nfnlSubsysULOG<<8|nfulnlMsgConfig)
	binary.LittleEndian.PutUint16(msg[6:8], syscall.NLM_F_REQUEST|syscall.NLM_F_ACK)
	binary.LittleEndian.PutUint32(msg[8:12], seq)
	return append(msg, body...)
}

// nflogPayloads returns the packet payloads (IPv4 packets, for family ip) of the NFLOG packet
// messages in one netlink read.
func nflogPayloads(data []byte) [][]byte {
	var out [][]byte
	for len(data) >= 16 {
		length := int(binary.LittleEndian.Uint32(data[0:4]))
		if length < 16 || length > len(data) {
			break
		}
		if binary.LittleEndian.Uint16(data[4:6]) == nfnlSubsysULOG<<8|nfulnlMsgPacket && length >= 20 {
			attrs := data[20:length]
			for len(attrs) >= 4 {
				alen := int(binary.LittleEndian.Uint16(attrs[0:2]))
				if alen < 4 || alen > len(attrs) {
					break
				}
				if binary.LittleEndian.Uint16(attrs[2:4])&nlaTypeMask == nfulaPayload {
					out = append(out, attrs[4:alen])
				}
				attrs = attrs[min((alen+3)&^3, len(attrs)):]
			}
		}
		data = data[min((length+3)&^3, len(data)):]
	}
	return out
}

// nflogSocket binds NFLOG group in copy-packet mode (the first 128 bytes of each packet, enough
// for the IPv4 and TCP/UDP headers) and checks the kernel's acknowledgements.
func nflogSocket(group uint16) (int, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW, netlinkNetfilter)
	if err != nil {
		return -1, err
	}
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	mode := make([]byte, 6)
	binary.BigEndian.PutUint32(mode[0:4], 128)
	mode[4] = nfulnlCopyPacket
	for seq, attr := range [][]byte{nlAttr(nfulaCfgCmd, []byte{nfulnlCfgCmdBind}), nlAttr(nfulaCfgMode, mode)} {
		if err := syscall.Sendto(fd, nflogConfig(group, uint32(seq+1), attr), 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
			syscall.Close(fd)
			return -1, err
		}
		buf := make([]byte, 4096)
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			syscall.Close(fd)
			return -1, err
		}
		if n >= 20 && binary.LittleEndian.Uint16(buf[4:6]) == syscall.NLMSG_ERROR {
			if code := int32(binary.LittleEndian.Uint32(buf[16:20])); code != 0 {
				syscall.Close(fd)
				return -1, fmt.Errorf("binding NFLOG group %d: %w", group, syscall.Errno(-code))
			}
		}
	}
	return fd, nil
}
