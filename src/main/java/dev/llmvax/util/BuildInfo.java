package dev.llmvax.util;

/** Facts about this build of llmvax, read from the jar manifest. */
public final class BuildInfo {

    private BuildInfo() {}

    /** The {@code Implementation-Version} of the llmvax jar, or {@code "dev"} when run from classes. */
    public static String version() {
        String v = BuildInfo.class.getPackage().getImplementationVersion();
        return v == null || v.isBlank() ? "dev" : v;
    }

    /** For example {@code "25.0.3+9-LTS (Eclipse Adoptium)"}. */
    public static String javaVersion() {
        return Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")";
    }

    /** For example {@code "Linux 6.8.0 amd64"}. */
    public static String os() {
        return System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch");
    }
}
