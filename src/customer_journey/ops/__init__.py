"""Operations around the warehouse, run through `cj`: the demo loop (`cj loop`), the BI copy
(`cj publish`), the project's coverage gate (`cj check`) and the Spark comparison (`cj spark-check`)."""
