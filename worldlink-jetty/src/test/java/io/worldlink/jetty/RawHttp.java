package io.worldlink.jetty;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A client on a bare socket, for requests that a client library would refuse or tidy up (TRACE, encoded
 * dots, a broken request line, a forged {@code Origin}) and for a WebSocket client that does not answer
 * pings. Reads wait at most {@link #TIMEOUT_MILLIS}, so a test fails instead of hanging.
 */
final class RawHttp implements AutoCloseable {
    static final int TIMEOUT_MILLIS = 10_000;

    /** A response's status line, headers (names in lower case) and body. */
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** A WebSocket frame from the server. */
    record Frame(int opcode, byte[] payload) {
        int closeCode() {
            return ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        }

        String text() {
            return new String(payload, opcode == 8 ? 2 : 0, payload.length - (opcode == 8 ? 2 : 0),
                    StandardCharsets.UTF_8);
        }
    }

    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    static RawHttp connect(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(TIMEOUT_MILLIS);
        return new RawHttp(s);
    }

    /** A client whose receive window is as small as the system allows, so the server's writes stall soon. */
    static RawHttp connectWithTinyWindow(int port) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(1);
        s.connect(new InetSocketAddress("127.0.0.1", port));
        s.setSoTimeout(TIMEOUT_MILLIS);
        return new RawHttp(s);
    }

    /** Sends one request with {@code Connection: close} and reads the whole response. */
    static Response exchange(int port, String request) throws IOException {
        try (RawHttp c = connect(port)) {
            c.send(request);
            return c.readResponse();
        }
    }

    void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads a status line and headers, then a body of {@code Content-Length} bytes, or none. */
    Response readResponse() throws IOException {
        String status = readLine();
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            headers.merge(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip(),
                    (a, b) -> a + ", " + b);
        }
        String length = headers.get("content-length");
        byte[] body = length == null ? new byte[0] : in.readNBytes(Integer.parseInt(length));
        return new Response(Integer.parseInt(status.split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
    }

    /** @return the next line, without its line end */
    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b == -1) {
                throw new EOFException("the server closed the connection; read so far: " + line);
            }
            line.write(b);
        }
        String s = line.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** Starts a WebSocket upgrade and reads the server's answer. */
    Response upgrade(String path, String origin) throws IOException {
        send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + socket.getPort() + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + (origin == null ? "" : "Origin: " + origin + "\r\n") + "\r\n");
        return readResponse();
    }

    /** Sends a masked text frame, as a WebSocket client must. */
    void sendText(String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        ByteBuffer frame = ByteBuffer.allocate(payload.length + 14);
        frame.put((byte) 0x81);
        if (payload.length < 126) {
            frame.put((byte) (0x80 | payload.length));
        } else {
            frame.put((byte) (0x80 | 126)).putShort((short) payload.length);
        }
        frame.put(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.put((byte) (payload[i] ^ mask[i % 4]));
        }
        out.write(frame.array(), 0, frame.position());
        out.flush();
    }

    /** Reads the next frame the server sends (never masked). */
    Frame readFrame() throws IOException {
        int first = readByte();
        int second = readByte();
        long length = second & 0x7f;
        if (length == 126) {
            length = (readByte() << 8) | readByte();
        } else if (length == 127) {
            length = ByteBuffer.wrap(in.readNBytes(8)).getLong();
        }
        return new Frame(first & 0x0f, in.readNBytes((int) length));
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b == -1) {
            throw new EOFException("the server closed the connection");
        }
        return b;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
