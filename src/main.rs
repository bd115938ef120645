fn main() -> std::process::ExitCode {
    nascmd::cli::main()
}
