package dev.switchboard.files;

/** A file of a fragment with its bytes: project path, content, executable bit. */
public record StoredFile(String path, byte[] content, boolean executable) {

    @Override
    public String toString() {
        return "StoredFile[" + path + ", " + content.length + " bytes" + (executable ? ", executable" : "") + "]";
    }
}
