// swift-tools-version:6.2
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "credbroker",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "credbroker", targets: ["credbroker"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // YAML configuration files as well as JSON ones.
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.1.0"..<"5.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // System OpenSSL 3 (libcrypto), with static inline shims only where Swift cannot call C.
        .systemLibrary(
            name: "CredbrokerOpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // System libcurl, with typed wrappers for its variadic calls and macro constants.
        .systemLibrary(
            name: "CredbrokerCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(
            name: "BrokerCore",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "BrokerSealing",
            dependencies: ["BrokerCore", "CredbrokerOpenSSL"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "BrokerStorage",
            dependencies: [
                "BrokerCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "BrokerUpstreams",
            dependencies: [
                "BrokerCore", "CredbrokerCurl",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "BrokerTokens",
            dependencies: ["BrokerCore"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "BrokerTLS",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "BrokerServer",
            dependencies: [
                "BrokerCore", "BrokerSealing", "BrokerStorage", "BrokerTLS", "BrokerUpstreams", "BrokerTokens",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("openapi.yaml")],
            swiftSettings: strictSettings
        ),
        // Local Google/Microsoft/EWS/OAuth 2.0 servers for `credbroker demo` and the tests.
        .target(
            name: "StandIns",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "credbroker",
            dependencies: [
                "BrokerCore", "BrokerSealing", "BrokerStorage", "BrokerTLS", "BrokerServer", "BrokerUpstreams", "StandIns",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "SealingBenchmark",
            dependencies: ["BrokerCore", "BrokerSealing"],
            path: "Benchmarks/SealingBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "RewrapBenchmark",
            dependencies: ["BrokerCore", "BrokerSealing", "BrokerStorage", "BrokerServer"],
            path: "Benchmarks/RewrapBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "TokenBenchmark",
            dependencies: [
                "BrokerCore", "BrokerSealing", "BrokerStorage", "BrokerServer", "BrokerTLS", "StandIns",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Benchmarks/TokenBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "BareTLSServer",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Benchmarks/BareTLSServer",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "VerifyBenchmark",
            dependencies: [
                "BrokerCore", "BrokerSealing", "BrokerStorage", "BrokerServer", "BrokerTLS", "BrokerUpstreams", "StandIns",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Benchmarks/VerifyBenchmark",
            swiftSettings: strictSettings
        ),
        .target(
            name: "BrokerTesting",
            dependencies: [
                "BrokerCore", "BrokerTLS", "BrokerStorage", "StandIns",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/BrokerTesting",
            swiftSettings: strictSettings
        ),
        .testTarget(name: "BrokerCoreTests", dependencies: ["BrokerCore", "BrokerTesting"], swiftSettings: strictSettings),
        .testTarget(
            name: "BrokerSealingTests",
            dependencies: ["BrokerSealing", "BrokerCore", "BrokerTesting"],
            resources: [.copy("Vectors")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BrokerStorageTests",
            dependencies: [
                "BrokerStorage", "BrokerCore", "BrokerTLS", "BrokerTesting",
                .product(name: "Logging", package: "swift-log"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BrokerServerTests",
            dependencies: [
                "BrokerServer", "BrokerCore", "BrokerSealing", "BrokerStorage", "BrokerTLS", "BrokerTesting", "StandIns",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "BrokerTokensTests", dependencies: ["BrokerTokens", "BrokerCore"], swiftSettings: strictSettings),
        .testTarget(name: "StandInsTests", dependencies: ["StandIns"], swiftSettings: strictSettings),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "BrokerTesting", "BrokerCore", "BrokerSealing", "BrokerStorage", "BrokerTLS", "StandIns",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
