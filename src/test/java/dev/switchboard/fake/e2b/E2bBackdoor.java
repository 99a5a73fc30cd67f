package dev.switchboard.fake.e2b;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import dev.switchboard.support.SandboxBackdoor;

/**
 * The backdoor into the fake's sandboxes: reads go to the sandbox URL's host as a browser's would (a gone sandbox
 * answers 502), writes and kills act on the fake's state as code inside the sandbox or an expiry would.
 */
public class E2bBackdoor implements SandboxBackdoor {

    private final E2bFake fake;

    public E2bBackdoor(E2bFake fake) {
        this.fake = fake;
    }

    @Override
    public Optional<String> read(String sandboxId, String sandboxUrl, String path) {
        Answer a = get(sandboxUrl, "/" + path);
        if (a.status() == 502) {
            throw new IllegalStateException("sandbox " + sandboxId + " does not answer: " + a.body());
        }
        return a.status() == 200 ? Optional.of(a.body()) : Optional.empty();
    }

    @Override
    public boolean reachable(String sandboxId, String sandboxUrl) {
        return get(sandboxUrl, "/").status() != 502;
    }

    @Override
    public void write(String sandboxId, String path, String content) {
        fake.putFile(sandboxId, fake.projectRoot() + "/" + path, content.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Optional<byte[]> readBytes(String sandboxId, String path) {
        return fake.file(sandboxId, fake.projectRoot() + "/" + path);
    }

    @Override
    public void writeBytes(String sandboxId, String path, byte[] content) {
        fake.putFile(sandboxId, fake.projectRoot() + "/" + path, content);
    }

    @Override
    public void delete(String sandboxId, String path) {
        fake.deleteFile(sandboxId, fake.projectRoot() + "/" + path);
    }

    @Override
    public void killBehindBack(String sandboxId) {
        fake.vanish(sandboxId);
    }

    private record Answer(int status, String body) {
    }

    /** A GET to the fake with the sandbox URL's host in the Host header (which java.net.http will not send). */
    private Answer get(String sandboxUrl, String path) {
        String host = URI.create(sandboxUrl).getHost();
        String target;
        try {
            target = new URI("http", "h", path, null).getRawPath();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a path: " + path, e);
        }
        try (Socket socket = new Socket("127.0.0.1", fake.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            in.transferTo(raw);
            String response = raw.toString(StandardCharsets.UTF_8);
            int headEnd = response.indexOf("\r\n\r\n");
            if (!response.startsWith("HTTP/1.1 ") || headEnd < 0) {
                throw new IllegalStateException("malformed answer from the fake: " + response);
            }
            int status = Integer.parseInt(response.substring(9, 12));
            return new Answer(status, response.substring(headEnd + 4));
        } catch (IOException e) {
            throw new IllegalStateException("the E2B fake does not answer", e);
        }
    }
}
