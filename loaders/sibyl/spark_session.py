"""The one place that says how Sibyl's Spark session is configured.

dbt-spark's `session` method builds its own SparkSession from `server_side_parameters`
(profiles.yml.example writes the same settings from the same variables), so the loaders and dbt
see one catalog: a warehouse folder and a Derby metastore under SIBYL_SPARK_HOME. Derby lets one
process open the metastore at a time: a load and a build run one after the other, never together.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[*]"
# A 2-core box: Spark's default of 200 shuffle partitions makes hundreds of tiny tasks and files.
SHUFFLE_PARTITIONS = 4


def spark_home() -> Path:
    """SIBYL_SPARK_HOME, else `spark-warehouse` in the working directory: holds the warehouse, the metastore and derby.log."""
    return Path(os.environ.get("SIBYL_SPARK_HOME", "spark-warehouse")).resolve()


def spark_master() -> str:
    return os.environ.get("SIBYL_SPARK_MASTER", DEFAULT_MASTER)


def session_config(home: Path | None = None) -> dict[str, str]:
    """Spark settings of every Sibyl session (the loaders' and dbt's), as strings."""
    home = home or spark_home()
    return {
        "spark.sql.warehouse.dir": str(home / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={home / 'metastore_db'};create=true",
        # Derby writes derby.log into the JVM's working directory unless told where its home is.
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={home}",
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(SHUFFLE_PARTITIONS),
        "spark.sql.catalogImplementation": "hive",
    }


def get_session() -> SparkSession:
    """The process's Spark session with Sibyl's settings (Hive support on, as dbt-spark always has it).

    Kept for the process's next connection (Spark takes seconds to start); one opened on another
    SIBYL_SPARK_HOME is released first, as its settings are fixed once it started."""
    from pyspark.sql import SparkSession

    home = spark_home()
    active = SparkSession.getActiveSession()
    metastore = "spark.hadoop.javax.jdo.option.ConnectionURL"  # kept as given (Spark rewrites the warehouse dir's)
    if active is not None and active.conf.get(metastore, None) != session_config(home)[metastore]:
        release()
    home.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("sibyl").master(spark_master())
    for key, value in session_config(home).items():
        builder = builder.config(key, value)
    session = builder.enableHiveSupport().getOrCreate()
    # Errors reach the user as Sibyl's one-line messages; Spark's own log (the JVM's, and pyspark's JSON
    # lines of each failed query) would repeat them as stack traces.
    session.sparkContext.setLogLevel("FATAL")
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return session


def release() -> None:
    """End the process's Spark session and its JVM, so another process (dbt) may open the Derby metastore.

    Stopping the session is not enough: Derby stays booted in the JVM, holding the metastore's lock."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
    gateway = SparkContext._gateway
    if gateway is None:
        return
    process = getattr(gateway, "proc", None)
    gateway.shutdown()
    if process is not None:
        process.stdin.close()  # pyspark's JVM exits when its stdin closes
        process.wait(timeout=60)
    SparkContext._gateway = None
    SparkContext._jvm = None
