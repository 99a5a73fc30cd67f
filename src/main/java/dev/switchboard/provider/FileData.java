package dev.switchboard.provider;

/** A file to write into a sandbox: its project path (relative to the project root), its bytes and its executable bit. */
public record FileData(String path, byte[] content, boolean executable) {

    @Override
    public String toString() {
        return "FileData[" + path + ", " + content.length + " bytes" + (executable ? ", executable" : "") + "]";
    }
}
