// Placeholder replaced by the node bootstrap (supervisor, config, identity).
int main() { return 0; }
