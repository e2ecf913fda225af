package lineageportal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;

/**
 * Runs a real Neo4j Community 5.26 LTS DBMS in this JVM with a Bolt connector, so that
 * the official Python driver can talk to it exactly as it talks to a Neo4j server.
 *
 * <pre>
 * usage: Neo4jServer [DATA_DIR] [BOLT_PORT]
 *   DATA_DIR   defaults to $NEO4J_DATA_DIR, else ".services/neo4j/data"
 *   BOLT_PORT  defaults to $NEO4J_BOLT_PORT, else 7687
 * env: NEO4J_BOLT_HOST (default 127.0.0.1), NEO4J_PAGECACHE_MB (default 256)
 * </pre>
 *
 * Authentication is disabled (connect with auth=None / NEO4J_AUTH=none), the listener is
 * bound to loopback only. Logs (debug.log) go to the "logs" directory next to DATA_DIR.
 * The process runs until it receives SIGTERM/SIGINT; a shutdown hook closes the DBMS
 * cleanly so the store is consistent on the next start.
 */
public final class Neo4jServer {

    private Neo4jServer() {
    }

    public static void main(String[] args) throws Exception {
        String dataArg = args.length > 0 ? args[0] : env("NEO4J_DATA_DIR", ".services/neo4j/data");
        String portArg = args.length > 1 ? args[1] : env("NEO4J_BOLT_PORT", "7687");
        String host = env("NEO4J_BOLT_HOST", "127.0.0.1");
        long pageCacheMb = Long.parseLong(env("NEO4J_PAGECACHE_MB", "256"));

        int port;
        try {
            port = Integer.parseInt(portArg);
        } catch (NumberFormatException e) {
            System.err.println("Neo4jServer: invalid Bolt port '" + portArg + "'");
            System.exit(2);
            return;
        }

        Path dataDir = Path.of(dataArg).toAbsolutePath().normalize();
        Path homeDir = dataDir.getParent() != null ? dataDir.getParent() : dataDir;
        Files.createDirectories(dataDir);

        long started = System.nanoTime();
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(homeDir)
                .setConfig(GraphDatabaseSettings.data_directory, dataDir)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pageCacheMb * 1024L * 1024L)
                // Keep the on-disk footprint small: no 256 MiB pre-allocated tx logs.
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, 16L * 1024L * 1024L)
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "2 files")
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Neo4jServer: shutting down");
            try {
                dbms.shutdown();
            } catch (RuntimeException e) {
                System.err.println("Neo4jServer: error during shutdown: " + e);
            } finally {
                stopped.countDown();
            }
            System.out.println("Neo4jServer: stopped");
        }, "neo4j-shutdown"));

        // Fail fast (non-zero exit) if the default database cannot serve queries.
        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        try (Transaction tx = db.beginTx()) {
            tx.execute("RETURN 1").close();
            tx.commit();
        }

        long ms = (System.nanoTime() - started) / 1_000_000L;
        System.out.printf("Neo4jServer: Neo4j %s ready in %d ms, Bolt on %s:%d, data in %s, auth disabled%n",
                neo4jVersion(), ms, host, port, dataDir);
        System.out.flush();

        stopped.await();
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    private static String neo4jVersion() {
        Package pkg = DatabaseManagementService.class.getPackage();
        String version = pkg == null ? null : pkg.getImplementationVersion();
        return version == null ? "5.26.x" : version;
    }
}
