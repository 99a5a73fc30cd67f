package dev.switchboard.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;

/**
 * A POST asking for {@code text/event-stream}, over a plain socket: the test reads the events one by one as they come
 * and can hang up mid-stream (a real disconnect, which an HTTP client library would hide behind its pool).
 */
public final class SseCall implements AutoCloseable {

    /** One server-sent event. */
    public record Event(String name, String data) {
        public JsonPath json() {
            return new JsonPath(data);
        }
    }

    public final int status;
    public final Map<String, String> headers;
    private final Socket socket;
    private final InputStream body;

    private SseCall(Socket socket, int status, Map<String, String> headers, InputStream body) {
        this.socket = socket;
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /** POSTs {@code json} to {@code path} of the service under test with the user's token. */
    public static SseCall post(String path, String token, String json) {
        try {
            Socket s = new Socket("localhost", RestAssured.port);
            s.setSoTimeout(30_000);
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost:" + RestAssured.port + "\r\nAuthorization: Bearer " + token
                    + "\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            InputStream in = s.getInputStream();
            String statusLine = line(in);
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new HashMap<>();
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
            InputStream body = "chunked".equalsIgnoreCase(headers.get("transfer-encoding")) ? new Chunked(in)
                    : new Limited(in, Long.parseLong(headers.getOrDefault("content-length", "0")));
            return new SseCall(s, status, headers, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String contentType() {
        return headers.getOrDefault("content-type", "");
    }

    /** The whole body (for an answer that is no event stream). */
    public String body() {
        try {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next event, or null when the stream ended. */
    public Event next() {
        try {
            String name = null;
            StringBuilder data = null;
            while (true) {
                String l = lineOrNull(body);
                if (l == null) {
                    return null;
                }
                if (l.isEmpty()) {
                    if (name != null || data != null) {
                        return new Event(name == null ? "message" : name, data == null ? "" : data.toString());
                    }
                } else if (l.startsWith("event:")) {
                    name = l.substring(6).trim();
                } else if (l.startsWith("data:")) {
                    String d = l.substring(5).startsWith(" ") ? l.substring(6) : l.substring(5);
                    data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every event up to the end of the stream. */
    public List<Event> all() {
        List<Event> events = new ArrayList<>();
        for (Event e = next(); e != null; e = next()) {
            events.add(e);
        }
        return events;
    }

    /** Hangs up. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closed
        }
    }

    private static String line(InputStream in) throws IOException {
        String l = lineOrNull(in);
        if (l == null) {
            throw new IOException("connection closed");
        }
        return l;
    }

    private static String lineOrNull(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            b.write(c);
        }
        if (c == -1 && b.size() == 0) {
            return null;
        }
        String s = b.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** A chunked body, decoded. */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = lineOrNull(in);
                if (size != null && size.isEmpty()) {
                    size = lineOrNull(in); // the CRLF after the previous chunk
                }
                if (size == null || (left = Long.parseLong(size.split(";")[0].trim(), 16)) == 0) {
                    done = true;
                    return -1;
                }
            }
            left--;
            return in.read();
        }
    }

    /** A body of known length. */
    private static final class Limited extends InputStream {
        private final InputStream in;
        private long left;

        Limited(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            left--;
            return in.read();
        }
    }
}
