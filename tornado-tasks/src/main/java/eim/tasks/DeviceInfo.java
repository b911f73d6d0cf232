package eim.tasks;

/** What {@code eim devices} prints for one device. */
public record DeviceInfo(String id, String backend, String name, String vendor, String type,
                         int computeUnits, long globalMemoryBytes, String version) {
    public String describe() {
        return String.format("%-10s %-7s %-40s %-28s %-5s %4d CUs %8.1f GiB  %s", id, backend, name, vendor, type,
                computeUnits, globalMemoryBytes / (1024.0 * 1024 * 1024), version);
    }
}
